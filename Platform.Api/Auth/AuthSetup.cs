using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Platform.Data.Entities;

namespace Platform.Api.Auth;

public static class AuthSetup
{
    /// <summary>Chooses the API key scheme when a key is sent, else the browser's cookie.</summary>
    public const string PolicyScheme = "Platform";

    public static IServiceCollection AddPlatformAuth(this IServiceCollection services)
    {
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddSingleton<ApiKeyCache>();
        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "API key or cookie", o =>
                o.ForwardDefaultSelector = ctx => ApiKeyAuthenticationHandler.HasKey(ctx.Request)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(o =>
            {
                o.Cookie.Name = "platform.auth";
                o.Cookie.HttpOnly = true;
                // Strict: the cookie is only ever sent by the platform's own pages, which blunts CSRF.
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.SlidingExpiration = true;
                // An API answers 401/403, never a redirect to a login page.
                o.Events.OnRedirectToLogin = ctx => { ctx.Response.StatusCode = StatusCodes.Status401Unauthorized; return Task.CompletedTask; };
                o.Events.OnRedirectToAccessDenied = ctx => { ctx.Response.StatusCode = StatusCodes.Status403Forbidden; return Task.CompletedTask; };
            });

        // Everything needs a signed-in user holding the request's scope unless the endpoint says AllowAnonymous
        // (/health, login, docs).
        var signedInWithScope = new AuthorizationPolicyBuilder().RequireAuthenticatedUser()
            .AddRequirements(new ScopeAuthorization.Requirement()).Build();
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorization.Handler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeAuthorization.ResultHandler>();
        services.AddAuthorizationBuilder().SetFallbackPolicy(signedInWithScope).SetDefaultPolicy(signedInWithScope);
        return services;
    }
}
