using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Platform.Api.Infrastructure;

namespace Platform.Api.Auth;

/// <summary>The antiforgery token a signed-in browser sends back in <see cref="CookieAntiforgery.HeaderName"/>.</summary>
public sealed record AntiforgeryTokenDto(string Token, string HeaderName);

/// <summary>
/// Cross-site request forgery: a request the browser authenticates with the session cookie and that may change
/// something (any method but GET, HEAD, OPTIONS) must carry ASP.NET Core's antiforgery token in
/// <see cref="HeaderName"/>, read from <c>GET /api/auth/antiforgery</c> after signing in. The cookie is also
/// SameSite=Strict and JSON bodies need Content-Type application/json (which a cross-site form cannot send);
/// the token is what protects the multipart upload and holds if a browser ignores SameSite. Requests with an API
/// key are not affected: a key is never sent by a browser on its own. Sign-in itself is not covered (there is no
/// session to bind a token to yet); its JSON body is.
/// </summary>
public static class CookieAntiforgery
{
    public const string HeaderName = "X-XSRF-TOKEN";

    public static IServiceCollection AddCookieAntiforgery(this IServiceCollection services) => services.AddAntiforgery(o =>
    {
        o.HeaderName = HeaderName;
        o.Cookie.Name = "platform.xsrf";
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    });

    /// <summary>
    /// A cookie-authenticated request that may change something (the same rule as the scopes': the hub's negotiation
    /// changes nothing, and SignalR clients cannot add the header to it everywhere).
    /// </summary>
    public static bool NeedsToken(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, AuthenticationType: CookieAuthenticationDefaults.AuthenticationScheme }
        && !ScopeAuthorization.IsRead(http.Request);

    /// <summary>After authentication: refuses a cookie-authenticated unsafe request without a valid token (400, nothing done).</summary>
    public static IApplicationBuilder UseCookieAntiforgery(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (NeedsToken(http) && !await http.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(http))
        {
            await Problems.Status(StatusCodes.Status400BadRequest,
                $"A request signed in with the browser's session cookie must carry the antiforgery token in the {HeaderName} header " +
                "(GET /api/auth/antiforgery). Scripts should use an API key instead.", HeaderName).ExecuteAsync(http);
            return;
        }
        await next(http);
    });

    public static void MapAntiforgeryEndpoint(this RouteGroupBuilder auth) =>
        auth.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
            {
                var tokens = antiforgery.GetAndStoreTokens(http);
                return TypedResults.Ok(new AntiforgeryTokenDto(tokens.RequestToken!, HeaderName));
            })
            .WithName("GetAntiforgeryToken")
            .WithSummary("The antiforgery token a signed-in browser sends with requests that change something")
            .WithDescription($"Sets the antiforgery cookie and returns the token to send in the {HeaderName} header on every " +
                             "POST or DELETE authenticated by the session cookie. Not needed with an API key.");
}
