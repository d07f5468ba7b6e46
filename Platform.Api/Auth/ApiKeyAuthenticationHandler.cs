using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Data;

namespace Platform.Api.Auth;

/// <summary>Authenticates scripts by "Authorization: Bearer &lt;key&gt;" or "X-Api-Key: &lt;key&gt;" (and SignalR clients by ?access_token= on /hubs).</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, PlatformDbContext db,
    ApiKeyCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string HubPathPrefix = "/hubs";

    /// <summary>Does the request carry a key? (The policy scheme uses this to choose between key and cookie.)</summary>
    public static bool HasKey(HttpRequest request) => ReadKey(request) is not null;

    private static string? ReadKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrWhiteSpace(header))
            return header.ToString().Trim();
        var auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return auth["Bearer ".Length..].Trim();
        // Browsers' WebSockets cannot send headers: SignalR clients put the key in access_token instead.
        // Accepted on the hub paths only, so keys do not end up in the access logs of ordinary URLs.
        if (request.Path.StartsWithSegments(HubPathPrefix) && request.Query["access_token"].ToString() is { Length: > 0 } token)
            return token.Trim();
        return null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey(Request);
        if (string.IsNullOrEmpty(key)) return AuthenticateResult.NoResult();

        var hash = ApiKeyHasher.Hash(key);
        var now = DateTimeOffset.UtcNow;
        var apiKey = cache.TryGet(hash);
        if (apiKey is null)
        {
            apiKey = await db.ApiKeys.AsNoTracking().Include(k => k.User)
                .FirstOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null && k.ExpiresAt > now, Context.RequestAborted);
            // Record use at most once a minute (and once per cache lifetime) so reads do not each cost a write.
            if (apiKey?.User is not null && (apiKey.LastUsedAt is null || now - apiKey.LastUsedAt > TimeSpan.FromMinutes(1)))
            {
                await db.ApiKeys.Where(k => k.Id == apiKey.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
                apiKey.LastUsedAt = now;
            }
            if (apiKey is not null) cache.Set(apiKey);
        }
        // One answer for unknown, revoked and expired keys: a key's holder learns nothing else from it.
        if (apiKey?.User is null || apiKey.ExpiresAt <= now) return AuthenticateResult.Fail("Invalid, revoked or expired API key.");

        return AuthenticateResult.Success(new AuthenticationTicket(PlatformClaims.Create(apiKey.User, SchemeName, apiKey), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
