using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Platform.Web;
using Platform.Web.Components;
using Platform.Web.Services;

var builder = WebApplication.CreateBuilder(args);
// Serve static web assets (MudBlazor's css/js, wwwroot) from the build output too, not only in Development:
// the end-to-end tests and scripts/run.sh run the Release build directly.
builder.WebHost.UseStaticWebAssets();

builder.Services.Configure<PlatformApiOptions>(builder.Configuration.GetSection(PlatformApiOptions.Section));
builder.Services.AddHttpClient<PlatformApiClient>((sp, http) =>
{
    http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<PlatformApiOptions>>().Value.BaseUrl.TrimEnd('/') + "/");
    http.Timeout = TimeSpan.FromSeconds(30);
});
builder.Services.AddHttpClient(nameof(PlatformApiClient), (sp, http) =>
    http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<PlatformApiOptions>>().Value.BaseUrl.TrimEnd('/') + "/"));
builder.Services.AddScoped<ProgressFeed>();
builder.Services.AddScoped<WebSignIn>();

builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(o =>
    {
        o.Cookie.Name = "disco.web";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Lax;
        o.LoginPath = "/signin";
        o.LogoutPath = "/signout";
        // A session ends when its API key expires (WebSignIn sets both); sliding would outlive the key.
        o.ExpireTimeSpan = TimeSpan.FromHours(WebSignIn.SessionHours);
        o.SlidingExpiration = false;
    });
builder.Services.AddAuthorization();
builder.Services.AddCascadingAuthenticationState();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
// Notices at the bottom right: every page keeps its actions (Cancel, Archive, Delete, filters) at the top right, where
// MudBlazor's default would cover them for the seconds a notice shows (longer while the pointer rests on it).
builder.Services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
}
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
// No framing by other sites (clickjacking), no MIME sniffing, no referrer leaving the platform; HSTS behind https.
// Set as the response starts, so they replace what later middleware (antiforgery, Blazor) may have added.
app.Use((context, next) =>
{
    context.Response.OnStarting(() =>
    {
        var h = context.Response.Headers;
        (h.XContentTypeOptions, h.XFrameOptions, h["Referrer-Policy"], h.ContentSecurityPolicy) = ("nosniff", "DENY", "no-referrer", "frame-ancestors 'none'");
        return Task.CompletedTask;
    });
    return next(context);
});
if (!app.Environment.IsDevelopment()) app.UseHsts();

app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets();
app.MapWebEndpoints();
app.MapApiReference();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>The web app's own endpoints: sign-out and the checkpoint download proxy.</summary>
internal static class WebEndpoints
{
    public static void MapWebEndpoints(this WebApplication app)
    {
        // The layout's sign-out form carries <AntiforgeryToken />; another site's form posting here gets 400 and the
        // session (and its API key) stays. Checked here: the antiforgery middleware only records its verdict, and
        // only minimal-API endpoints that bind a form act on it.
        app.MapPost("/signout", async (HttpContext ctx, WebSignIn signIn, IHttpClientFactory factory, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(ctx)) return Results.Problem("The sign-out form's antiforgery token is missing or invalid.", statusCode: 400);
            await signIn.SignOutAsync(ctx, factory);
            return Results.LocalRedirect("/signin");
        });

        // The browser has no API key: it downloads through the web app, which adds the user's key server-side.
        app.MapGet(CheckpointDownloads.Route, async (Guid id, HttpContext ctx, IHttpClientFactory factory) =>
        {
            var key = ctx.User.FindFirst(WebClaims.ApiKey)?.Value;
            if (key is null) return Results.Challenge();
            var http = factory.CreateClient(nameof(PlatformApiClient));
            // Only the one parameter the API's download takes is passed on, escaped: the API checks its value.
            var contents = ctx.Request.Query[CheckpointDownloads.ContentsParameter].ToString();
            var request = new HttpRequestMessage(HttpMethod.Get, $"api/checkpoints/{id}/download"
                + (contents.Length > 0 ? $"?{CheckpointDownloads.ContentsParameter}={Uri.EscapeDataString(contents)}" : ""));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            HttpResponseMessage response;
            try { response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.RequestAborted); }
            catch (HttpRequestException) { return Results.Problem("The platform API is unreachable.", statusCode: 502); }
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                response.Dispose();
                return Results.Problem(status switch
                {
                    404 => "No such checkpoint (or its file is missing).",
                    400 => "The API refused the download: " + (await ApiResult<object>.FromProblemAsync(response, ctx.RequestAborted)).Problem,
                    _ => "The API refused the download.",
                }, statusCode: status);
            }
            ctx.Response.RegisterForDispose(response);
            if (response.Headers.TryGetValues("X-Checksum-Sha256", out var sha)) ctx.Response.Headers["X-Checksum-Sha256"] = sha.First();
            // The API names every download (CheckpointFileNames); the id is only a last resort.
            var fileName = response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? id.ToString();
            return Results.Stream(await response.Content.ReadAsStreamAsync(ctx.RequestAborted), "application/octet-stream", fileName,
                lastModified: null, entityTag: null, enableRangeProcessing: false);
        }).RequireAuthorization();
    }
}
