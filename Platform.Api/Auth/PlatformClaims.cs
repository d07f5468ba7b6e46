using System.Security.Claims;
using Platform.Data.Entities;

namespace Platform.Api.Auth;

/// <summary>Claims both sign-in paths (API key, cookie) put on the principal; endpoints scope queries by TeamId.</summary>
public static class PlatformClaims
{
    public const string TeamId = "platform:team";

    public static ClaimsPrincipal Create(User user, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
        new Claim(ClaimTypes.Email, user.Email),
        new Claim(TeamId, user.TeamId.ToString()),
        .. user.IsAdmin ? new[] { new Claim(ClaimTypes.Role, "admin") } : [],
    ], scheme));

    public static Guid GetTeamId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(TeamId) ?? throw new InvalidOperationException("No team claim."));

    public static Guid GetUserId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No user claim."));
}
