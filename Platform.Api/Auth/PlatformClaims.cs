using System.Security.Claims;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Auth;

/// <summary>
/// Claims both sign-in paths (API key, cookie) put on the principal: endpoints scope queries by TeamId, the scope
/// policy (<see cref="ScopeAuthorization"/>) reads Scope, the hub tracks connections by ApiKeyId.
/// </summary>
public static class PlatformClaims
{
    public const string TeamId = "platform:team";
    public const string Scope = "platform:scope";
    public const string ApiKeyId = "platform:api-key";

    /// <summary>The principal of a user signed in with <paramref name="key"/>, or with a password (a browser session, admin scope) when null.</summary>
    public static ClaimsPrincipal Create(User user, string scheme, ApiKey? key = null) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
        new Claim(ClaimTypes.Email, user.Email),
        new Claim(TeamId, user.TeamId.ToString()),
        new Claim(Scope, WireNames.ToWire(key?.Scope ?? ApiKeyScope.Admin)),
        .. key is null ? [] : new[] { new Claim(ApiKeyId, key.Id.ToString()) },
        .. user.IsAdmin ? new[] { new Claim(ClaimTypes.Role, "admin") } : [],
    ], scheme));

    public static Guid GetTeamId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(TeamId) ?? throw new InvalidOperationException("No team claim."));

    public static Guid GetUserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No user claim."));

    /// <summary>The scope the request holds; a principal without the claim (a cookie from before scopes existed) may only read.</summary>
    public static ApiKeyScope GetScope(this ClaimsPrincipal principal) =>
        WireNames.TryParse<ApiKeyScope>(principal.FindFirstValue(Scope), out var scope) ? scope : ApiKeyScope.Read;

    /// <summary>The API key the request authenticated with, if any.</summary>
    public static Guid? GetApiKeyId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ApiKeyId), out var id) ? id : null;
}
