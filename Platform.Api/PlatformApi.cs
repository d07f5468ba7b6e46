using Hangfire;
using Platform.Api.Auth;
using Platform.Api.Endpoints;
using Platform.Api.Infrastructure;
using Platform.Api.Leaderboards;
using Platform.Api.Progress;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Jobs;
using Scalar.AspNetCore;

namespace Platform.Api;

/// <summary>
/// Builds the API host. Program.cs and the tests both go through here, so the tests run the real pipeline
/// (Kestrel, PostgreSQL, Hangfire storage) with only configuration changed.
/// </summary>
public static class PlatformApi
{
    /// <summary>The database: ConnectionStrings:Platform, else the PLATFORM_DB environment variable.</summary>
    public static string ConnectionString(IConfiguration config) =>
        config.GetConnectionString("Platform") is { Length: > 0 } cs ? cs
        : Environment.GetEnvironmentVariable("PLATFORM_DB") is { Length: > 0 } env ? env
        : throw new InvalidOperationException(
            "No database configured: set ConnectionStrings__Platform or PLATFORM_DB (scripts/postgres.sh start prints one).");

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(PlatformOptions.Section).Get<PlatformOptions>() ?? new PlatformOptions();
        builder.Services.Configure<PlatformOptions>(builder.Configuration.GetSection(PlatformOptions.Section));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        var connectionString = ConnectionString(builder.Configuration);
        builder.Services.AddPlatformData(connectionString);

        // Hangfire client only (the workers run the server). Built from our own storage instance rather than
        // AddHangfire's global configuration, so several hosts in one process (tests) keep separate databases.
        builder.Services.AddSingleton<JobStorage>(_ => PlatformJobStorage.Create(connectionString));
        builder.Services.AddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<JobStorage>()));

        // One artifact store with the workers: the same StorageRoot, locations in the database relative to it.
        builder.Services.AddSingleton(sp => new Platform.Data.Storage.ArtifactStore(options.StorageRoot, sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        builder.Services.AddScoped<RunService>();
        builder.Services.AddScoped<RunDeletion>();
        builder.Services.AddScoped<Sweeps.SweepDeletion>();
        builder.Services.AddScoped<Checkpoints.CheckpointDeletion>();
        builder.Services.AddScoped<RunQuotas>();
        builder.Services.AddScoped<SuiteEvaluation>();
        builder.Services.AddScoped<MetricQueries>();
        builder.Services.AddSingleton<MetricCache>();
        builder.Services.AddScoped<RerunComparison>();
        builder.Services.AddScoped<Sweeps.SweepService>();
        builder.Services.AddScoped<Pipelines.PipelineService>();
        builder.Services.AddScoped<Pipelines.PipelineAdvancer>();
        builder.Services.AddHostedService<Pipelines.PipelineAdvancerService>();
        builder.Services.AddScoped<LeaderboardService>();
        builder.Services.AddSignalR().AddJsonProtocol(o => ApiJson.Configure(o.PayloadSerializerOptions));
        builder.Services.AddSingleton(sp => new ProgressRelay(connectionString, sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<Microsoft.AspNetCore.SignalR.IHubContext<ProgressHub>>(), sp.GetRequiredService<ILogger<ProgressRelay>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProgressRelay>());
        builder.Services.AddSingleton<KeyConnections>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyConnections>());
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddPlatformAuth();
        builder.Services.AddCookieAntiforgery();
        builder.Services.AddPlatformRateLimits(options);
        // /openapi/v1.json is a contract for client generators: every operation named (WithName) and every response
        // with its schema; the responses of authentication, scopes and rate limits are added from endpoint metadata.
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<ApiDocumentTransformer>()
            .AddDocumentTransformer<ApiKeySecurityTransformer>()
            .AddOperationTransformer<MiddlewareResponsesTransformer>());

        var app = builder.Build();
        // JSON and files only: nothing may frame, sniff or be referred from the API; HSTS behind https.
        app.Use((context, next) =>
        {
            var h = context.Response.Headers;
            (h.XContentTypeOptions, h.XFrameOptions, h["Referrer-Policy"], h.ContentSecurityPolicy) = ("nosniff", "DENY", "no-referrer", "frame-ancestors 'none'");
            return next(context);
        });
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseExceptionHandler();
        // Empty-bodied errors (401 from authentication, 404 from routing, 405...) become ProblemDetails too.
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization: a request without credentials is refused before it can hold an upload's permit.
        app.UseRateLimiter();
        app.UseCookieAntiforgery();

        // The API description is public (it holds no data), so a browser can read it before signing in.
        // Like every endpoint but /health, the API description needs a key or a signed-in browser.
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Disco Platform API"));

        app.MapHealthEndpoints();
        app.MapAuthEndpoints();
        app.MapRunEndpoints();
        app.MapSweepEndpoints();
        app.MapPipelineEndpoints();
        app.MapCatalogEndpoints();
        app.MapCheckpointEndpoints();
        app.MapInspectionEndpoints();
        app.MapLeaderboardEndpoints();
        app.MapTeamEndpoints();
        app.MapHub<ProgressHub>(ProgressHub.Path);
        return app;
    }
}
