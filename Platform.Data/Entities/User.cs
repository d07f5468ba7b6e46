namespace Platform.Data.Entities;

public class User
{
    public Guid Id { get; set; }
    public Guid TeamId { get; set; }
    public Team? Team { get; set; }

    /// <summary>Stored lower-cased so lookups are case-insensitive without a citext column.</summary>
    public required string Email { get; set; }

    /// <summary>ASP.NET Core Identity's PasswordHasher format (PBKDF2, salted, versioned).</summary>
    public required string PasswordHash { get; set; }

    public string? DisplayName { get; set; }
    public bool IsAdmin { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public List<ApiKey> ApiKeys { get; set; } = [];
}
