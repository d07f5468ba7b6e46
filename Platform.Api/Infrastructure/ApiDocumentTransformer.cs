using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Platform.Api.Infrastructure;

/// <summary>
/// The OpenAPI document's own description: its title, what every tag groups, and server URLs without the trailing slash
/// ASP.NET Core gives them (paths start with one, so a client joining the two would ask for "//api/...").
/// </summary>
public sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string Title = "Disco Platform API";

    /// <summary>Every tag an endpoint uses (WithTags), described; the OpenAPI lint fails on a tag missing here.</summary>
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["Health"] = "Liveness, for load balancers and CI; open without a key.",
        ["Auth"] = "Browser sign-in and the user's API keys.",
        ["Catalog"] = "What a submission may name: suites, environments, update rules and run options with their defaults.",
        ["Runs"] = "Train, evaluate, meta-train and inspect runs: submission, status, metrics, replays, re-runs and cancellation.",
        ["Sweeps"] = "A base run expanded over parameter values and seeds.",
        ["Pipelines"] = "Transfer pipelines: meta-train a rule, select it by meta-validation, evaluate it beside the baselines.",
        ["Checkpoints"] = "Agent checkpoints and meta-networks: listing, download, upload, suite evaluation and rule inspection.",
        ["Leaderboards"] = "Per-suite leaderboards and the generalisation table, with IQMs and 95 % confidence intervals.",
        ["Team"] = "What the caller's team keeps on the platform: its storage use.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info.Title = Title;
        document.Info.Description = "The Disco Platform's REST API. Scripts authenticate with an API key " +
                                    "(Authorization: Bearer or X-Api-Key); every error is RFC 9457 ProblemDetails (application/problem+json).";
        foreach (var server in document.Servers ?? [])
            server.Url = server.Url?.TrimEnd('/');
        foreach (var tag in document.Tags ?? Enumerable.Empty<OpenApiTag>())
            if (tag.Name is { } name && Tags.TryGetValue(name, out var description))
                tag.Description = description;
        return Task.CompletedTask;
    }
}
