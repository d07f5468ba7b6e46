namespace Platform.Data.Entities;

/// <summary>
/// A key for scripts. Only the SHA-256 of the key is stored (keys are 256-bit random, so a fast hash is
/// enough); the prefix lets a user recognise a key in a list without revealing it. Every key has a scope
/// (<see cref="ApiKeyScope"/>) and an expiry; an expired or revoked key authenticates nothing.
/// </summary>
public class ApiKey
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public User? User { get; set; }

    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required byte[] KeyHash { get; set; }

    public ApiKeyScope Scope { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}
