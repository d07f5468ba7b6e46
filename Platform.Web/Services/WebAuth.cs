using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Platform.Web.Services;

/// <summary>Claims of the web app's own (encrypted, HttpOnly) auth cookie.</summary>
public static class WebClaims
{
    /// <summary>The user's API key for this web session; used server-side as the bearer token to the API.</summary>
    public const string ApiKey = "platform:api_key";
    public const string ApiKeyId = "platform:api_key_id";
    public const string TeamId = "platform:team_id";
}

/// <summary>
/// Sign-in against the API: checks the credentials with POST /api/auth/login (which answers with an API session
/// cookie and, for that cookie's writes, an antiforgery token), uses that cookie once to create an API key for this web session, and signs the user into the web app
/// with the key in its cookie's claims. Sign-out revokes the key.
/// </summary>
public sealed class WebSignIn(IOptions<PlatformApiOptions> options, ILogger<WebSignIn> logger)
{
    /// <summary>How long a web session (and its API key) lasts: a working day; then the user signs in again.</summary>
    public const int SessionHours = 12;

    public sealed record Outcome(bool Ok, string? Error);

    public async Task<Outcome> SignInAsync(HttpContext ctx, string email, string password, CancellationToken ct)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(options.Value.BaseUrl), Timeout = TimeSpan.FromSeconds(20) };
        try
        {
            using var login = await http.PostAsJsonAsync("api/auth/login", new { email, password }, PlatformApiClient.Json, ct);
            if (login.StatusCode == HttpStatusCode.Unauthorized) return new(false, "Wrong email or password.");
            if (!login.IsSuccessStatusCode)
                return new(false, (await ApiResult<MeDto>.FromProblemAsync(login, ct)).Problem);
            var me = (await login.Content.ReadFromJsonAsync<MeDto>(PlatformApiClient.Json, ct))!;
            // Requests on the API's session cookie that change something carry its antiforgery token.
            var antiforgery = (await http.GetFromJsonAsync<AntiforgeryTokenDto>("api/auth/antiforgery", PlatformApiClient.Json, ct))!;
            http.DefaultRequestHeaders.Add(antiforgery.HeaderName, antiforgery.Token);

            // The session's key may do what the signed-in user may (admin scope: the Settings page mints and revokes keys
            // with it) and lives exactly as long as the session: the web cookie below expires with it.
            var keyName = $"web session {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC";
            using var created = await http.PostAsJsonAsync("api/auth/keys",
                new { name = keyName, scope = "admin", expiresInHours = SessionHours }, PlatformApiClient.Json, ct);
            if (!created.IsSuccessStatusCode)
                return new(false, "Signed in, but the API refused an API key: " + (await ApiResult<MeDto>.FromProblemAsync(created, ct)).Problem);
            var key = (await created.Content.ReadFromJsonAsync<CreatedApiKeyDto>(PlatformApiClient.Json, ct))!;
            using var _ = await http.PostAsync("api/auth/logout", null, ct); // the API cookie is not kept

            var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, me.Id.ToString()),
                new Claim(ClaimTypes.Name, me.DisplayName ?? me.Email),
                new Claim(ClaimTypes.Email, me.Email),
                new Claim(WebClaims.TeamId, me.TeamId.ToString()),
                new Claim(WebClaims.ApiKey, key.Key),
                new Claim(WebClaims.ApiKeyId, key.Id.ToString()),
            ], CookieAuthenticationDefaults.AuthenticationScheme);
            if (me.IsAdmin) identity.AddClaim(new Claim(ClaimTypes.Role, "admin"));
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
                new AuthenticationProperties { IsPersistent = false, ExpiresUtc = key.ExpiresAt, AllowRefresh = false });
            return new(true, null);
        }
        catch (HttpRequestException ex)
        {
            logger.LogWarning(ex, "Sign-in: API unreachable at {BaseUrl}", options.Value.BaseUrl);
            return new(false, "The platform API is unreachable; try again in a moment.");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new(false, "The platform API did not answer in time; try again in a moment.");
        }
    }

    /// <summary>Revokes the session's API key (best effort) and clears the cookie.</summary>
    public async Task SignOutAsync(HttpContext ctx, IHttpClientFactory factory)
    {
        var key = ctx.User.FindFirst(WebClaims.ApiKey)?.Value;
        if (key is not null && Guid.TryParse(ctx.User.FindFirst(WebClaims.ApiKeyId)?.Value, out var keyId))
        {
            try
            {
                var http = factory.CreateClient(nameof(PlatformApiClient));
                using var request = new HttpRequestMessage(HttpMethod.Delete, $"api/auth/keys/{keyId}");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                using var _ = await http.SendAsync(request);
            }
            catch (HttpRequestException ex) { logger.LogWarning(ex, "Sign-out: could not revoke the session key"); }
        }
        await ctx.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }
}
