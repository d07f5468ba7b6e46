using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Progress;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Endpoints;

public sealed record LoginRequest(string? Email, string? Password);
public sealed record MeDto(Guid Id, string Email, string? DisplayName, Guid TeamId, bool IsAdmin);
/// <summary>A new key: its name, scope (read, submit or admin; submit when absent) and lifetime in hours (Platform:ApiKeys).</summary>
public sealed record CreateApiKeyRequest(string? Name, ApiKeyScope? Scope = null, int? ExpiresInHours = null);
public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, ApiKeyScope Scope, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);
/// <summary>A new API key; Key is the key itself, shown only in this response.</summary>
public sealed record CreatedApiKeyDto(Guid Id, string Name, string Prefix, ApiKeyScope Scope, DateTimeOffset ExpiresAt, string Key);

public static class AuthEndpoints
{
    public static void MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(RateLimits.SignInAddress).WithName("SignIn")
            .Accepts<LoginRequest>("application/json").Produces<MeDto>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Browser sign-in: sets the session cookie");
        auth.MapPost("/logout", async (HttpContext ctx) =>
        {
            await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.NoContent();
        }).WithName("SignOut").WithSummary("Clear the session cookie");
        auth.MapGet("/me", Me).WithName("GetCurrentUser").Produces<MeDto>().WithSummary("The signed-in user");
        auth.MapAntiforgeryEndpoint();

        auth.MapGet("/keys", ListKeys).WithName("ListApiKeys").Produces<List<ApiKeyDto>>().WithSummary("The user's API keys (prefixes only)");
        // Minting and revoking keys needs the admin scope: a key that may only read or submit cannot make itself more.
        auth.MapPost("/keys", CreateKey).RequireScope(ApiKeyScope.Admin).WithName("CreateApiKey").Accepts<CreateApiKeyRequest>("application/json")
            .Produces<CreatedApiKeyDto>(StatusCodes.Status201Created).ProducesValidationProblem()
            .WithSummary("Create an API key (shown once)")
            .WithDescription("Body {name[, scope, expiresInHours]}: scope is read, submit (the default) or admin; the lifetime defaults " +
                             "to Platform:ApiKeys:DefaultLifetimeHours and may not exceed MaxLifetimeHours. Needs the admin scope.");
        auth.MapDelete("/keys/{id:guid}", RevokeKey).RequireScope(ApiKeyScope.Admin).WithName("RevokeApiKey")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Revoke an API key; its live progress-hub connections are closed");
    }

    private static async Task<IResult> Login(HttpContext ctx, PlatformDbContext db, IPasswordHasher<User> hasher, SignInRateLimit limit, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<LoginRequest>(ctx.Request);
        if (problem is not null) return problem;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body!.Email)) errors["email"] = ["Required."];
        if (string.IsNullOrEmpty(body.Password)) errors["password"] = ["Required."];
        if (errors.Count > 0) return Problems.Validation(errors);

        var email = body.Email!.Trim().ToLowerInvariant();
        if (limit.TryAttempt(ctx, email) is { } tooMany) return tooMany;
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == email, ct);
        // An unknown email costs the same hash verification as a known one, so timing does not tell which emails exist.
        var verdict = user is null
            ? Discard(hasher.VerifyHashedPassword(UnknownUser, UnknownUserHash(hasher), body.Password!))
            : hasher.VerifyHashedPassword(user, user.PasswordHash, body.Password!);
        if (verdict == PasswordVerificationResult.Failed)
            return Problems.Status(StatusCodes.Status401Unauthorized, "Wrong email or password.");
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user!.PasswordHash = hasher.HashPassword(user, body.Password!);
            await db.SaveChangesAsync(ct);
        }

        await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            PlatformClaims.Create(user!, CookieAuthenticationDefaults.AuthenticationScheme));
        return TypedResults.Ok(ToMe(user!));
    }

    private static readonly User UnknownUser = new() { Email = "", PasswordHash = "" };
    private static string? _unknownUserHash;
    private static string UnknownUserHash(IPasswordHasher<User> hasher) =>
        _unknownUserHash ??= hasher.HashPassword(UnknownUser, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
    private static PasswordVerificationResult Discard(PasswordVerificationResult _) => PasswordVerificationResult.Failed;

    private static async Task<IResult> Me(ClaimsPrincipal principal, PlatformDbContext db, CancellationToken ct) =>
        await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == principal.GetUserId(), ct) is { } user
            ? TypedResults.Ok(ToMe(user))
            : Problems.Status(StatusCodes.Status401Unauthorized, "The user no longer exists.");

    private static MeDto ToMe(User u) => new(u.Id, u.Email, u.DisplayName, u.TeamId, u.IsAdmin);

    private static async Task<IResult> ListKeys(ClaimsPrincipal principal, PlatformDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await db.ApiKeys.AsNoTracking().Where(k => k.UserId == principal.GetUserId())
            .OrderByDescending(k => k.CreatedAt)
            .Select(k => new ApiKeyDto(k.Id, k.Name, k.Prefix, k.Scope, k.CreatedAt, k.ExpiresAt, k.LastUsedAt, k.RevokedAt))
            .ToListAsync(ct));

    private static async Task<IResult> CreateKey(HttpRequest request, ClaimsPrincipal principal, PlatformDbContext db,
        IOptions<PlatformOptions> options, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateApiKeyRequest>(request);
        if (problem is not null) return problem;
        var name = body!.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200) return Problems.Field("name", "Required, at most 200 characters.");
        var scope = body.Scope ?? DefaultScope;
        // Unreachable while minting needs admin (the widest scope), kept so that no key can ever mint a wider one.
        if (scope > principal.GetScope())
            return Problems.Field("scope", $"A key may not be wider than the one that creates it ('{WireNames.ToWire(principal.GetScope())}').");
        var limits = options.Value.ApiKeys;
        var hours = body.ExpiresInHours ?? limits.DefaultLifetimeHours;
        if (hours < 1 || hours > limits.MaxLifetimeHours)
            return Problems.Field("expiresInHours", $"Must be between 1 and {limits.MaxLifetimeHours} hours.");

        var (entity, key) = NewApiKey(principal.GetUserId(), name, scope, TimeSpan.FromHours(hours));
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/auth/keys/{entity.Id}",
            new CreatedApiKeyDto(entity.Id, entity.Name, entity.Prefix, entity.Scope, entity.ExpiresAt, key));
    }

    private static async Task<IResult> RevokeKey(Guid id, ClaimsPrincipal principal, PlatformDbContext db, KeyConnections connections,
        ApiKeyCache cache, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var mine = db.ApiKeys.Where(k => k.Id == id && k.UserId == principal.GetUserId() && k.RevokedAt == null);
        var hash = await mine.Select(k => k.KeyHash).FirstOrDefaultAsync(ct);
        var n = await mine.ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct);
        if (n == 0 || hash is null) return Problems.NotFound("API key");
        cache.Evict(hash);
        connections.Close(id);
        return TypedResults.NoContent();
    }

    /// <summary>A new key's scope when the request names none: enough for scripts that submit runs, not for managing keys.</summary>
    public const ApiKeyScope DefaultScope = ApiKeyScope.Submit;

    public static (ApiKey Entity, string Key) NewApiKey(Guid userId, string name, ApiKeyScope scope, TimeSpan lifetime, string? key = null)
    {
        key ??= ApiKeyHasher.Generate();
        var now = DateTimeOffset.UtcNow;
        return (new ApiKey
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Name = name,
            Prefix = ApiKeyHasher.DisplayPrefix(key),
            KeyHash = ApiKeyHasher.Hash(key),
            Scope = scope,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        }, key);
    }
}
