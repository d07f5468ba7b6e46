using Scalar.AspNetCore;
using Platform.Web.Services;

namespace Platform.Web;

/// <summary>
/// The API reference for a signed-in user of the web app. The API serves its OpenAPI document and Scalar page only to
/// requests with a key (or its own cookie), which a browser on the web app's address does not have; so the web app
/// serves the same Scalar page itself and reads the document from the API server-side with the user's key, the way the
/// checkpoint download does. The key never reaches the browser, and the API's authentication is unchanged.
/// </summary>
internal static class ApiReference
{
    /// <summary>Where the reference opens (the header links it).</summary>
    public const string Path = "/api-reference";

    /// <summary>The web app's copy of the API's OpenAPI document, for the page's script.</summary>
    private const string DocumentPath = Path + "/openapi/v1.json";

    /// <summary>The API's OpenAPI document (Platform.Api's MapOpenApi, default route and document name).</summary>
    private const string ApiDocument = "openapi/v1.json";

    public static void MapApiReference(this WebApplication app)
    {
        app.MapGet(DocumentPath, async (HttpContext ctx, IHttpClientFactory factory) =>
        {
            var key = ctx.User.FindFirst(WebClaims.ApiKey)?.Value;
            if (key is null) return Results.Challenge();
            var http = factory.CreateClient(nameof(PlatformApiClient));
            using var request = new HttpRequestMessage(HttpMethod.Get, ApiDocument);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            try
            {
                using var response = await http.SendAsync(request, ctx.RequestAborted);
                if (!response.IsSuccessStatusCode)
                    return Results.Problem("The API refused its description to this session; sign in again.", statusCode: (int)response.StatusCode);
                // The document is the team-independent contract, but it was read with this user's key: not for shared caches.
                ctx.Response.Headers.CacheControl = "no-store";
                return Results.Text(await response.Content.ReadAsStringAsync(ctx.RequestAborted), "application/json");
            }
            catch (HttpRequestException) { return Results.Problem("The platform API is unreachable.", statusCode: 502); }
        }).RequireAuthorization();

        // "Try it" is off: the browser would need the user's key to call the API, and the web app keeps it server-side
        // (a key pasted into the page would be the user's choice; the code samples show where it goes). No web fonts or
        // agent features: the page loads nothing from outside the platform.
        app.MapScalarApiReference(Path, o => o
                .WithTitle("Disco Platform API reference")
                .WithOpenApiRoutePattern(DocumentPath)
                .HideTestRequestButton()
                .DisableDefaultFonts()
                .DisableAgent()
                .DisableMcp())
            .RequireAuthorization();
    }
}
