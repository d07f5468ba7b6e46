using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Auth;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Api.Endpoints;

public sealed record EnvironmentDto(string Id, string Suite, string SuiteName, string Name, string? Description,
    double? RandomScore, double? ReferenceScore);

/// <summary>A suite of the catalogue: its display name, the other names users may give for it, and its environments.</summary>
public sealed record SuiteDto(string Id, string Name, string Title, string Description, IReadOnlyList<string> Aliases, IReadOnlyList<string> EnvironmentIds);

/// <summary>One option's default for a train run on one environment with one rule, with where it comes from.</summary>
public sealed record OptionDefaultDto(string Name, JsonElement? Value, string Description);

/// <summary>How fast a train run goes on a queue, and what that figure rests on.</summary>
public sealed record ThroughputDto(string Queue, double StepsPerSecond, string Basis);

/// <summary>The train defaults for one environment and rule (GET /api/run-options/train/defaults), and the throughput to expect.</summary>
public sealed record TrainDefaultsDto(string Env, string Suite, string Rule, IReadOnlyList<OptionDefaultDto> Options, ThroughputDto? Throughput);

/// <summary>
/// What a submission may name: suites (from the catalogue), environments (from the table the catalogue is upserted into at
/// start, with the normalisation constants the leaderboards use) and update rules.
/// </summary>
public static class CatalogEndpoints
{
    public static void MapCatalogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/environments", async (PlatformDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await db.Environments.AsNoTracking().OrderBy(e => e.Id)
                    .Select(e => new EnvironmentDto(e.Id, e.SuiteId, e.Suite!.Name, e.Name, e.Description, e.RandomScore, e.ReferenceScore))
                    .ToListAsync(ct)))
            .WithTags("Catalog").WithName("ListEnvironments").WithSummary("Environments a run may use, with score normalisation constants");

        app.MapGet("/api/suites", () => TypedResults.Ok(EnvironmentCatalog.Suites
                .Select(s => new SuiteDto(s.Id, s.Name, s.Title, s.Description, s.Aliases, s.EnvironmentIds)).ToList()))
            .WithTags("Catalog").WithName("ListSuites").WithSummary("Environment suites, with the names users may give for them and their environments");

        app.MapGet("/api/rules", () => TypedResults.Ok(RuleCatalog.Listed))
            .WithTags("Catalog").WithName("ListRules").WithSummary("Update rules a run may use");

        app.MapGet("/api/run-options", () => TypedResults.Ok(RunOptionTables.All))
            .WithTags("Catalog").WithName("ListRunOptions").WithSummary("Every option of each run kind: name, type, default, range or choices, help")
            .WithDescription("The tables the API validates submissions against and the worker CLI binds its options from. " +
                             "An option with a field is a field of POST /api/runs; the others go in its hyperparameters.");

        app.MapGet("/api/run-options/train/defaults", TrainDefaults)
            .WithTags("Catalog").WithName("GetTrainDefaults").WithSummary("The train defaults for one environment and rule, and the throughput to expect on a queue")
            .WithDescription("Each train option's default for a run on env with rule (the option table's suite and rule defaults, " +
                             "with their sources; steps is the suggested budget) and the environment steps per second to expect on " +
                             "queue: the median of your team's last finished runs of that rule family on env there, else the " +
                             "platform's measured figure (BENCHMARKS.md), else none.")
            .Produces<TrainDefaultsDto>().ProducesValidationProblem();
    }

    /// <summary>Finished runs of the team's a throughput estimate looks at, at most.</summary>
    private const int ThroughputHistory = 10;

    private static async Task<IResult> TrainDefaults(string? env, string? rule, string? queue, ClaimsPrincipal user, PlatformDbContext db, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(env) || !EnvironmentCatalog.Contains(env))
            return Problems.Field("env", "Unknown environment; see GET /api/environments.");
        if (!RuleReference.TryParse(rule ?? RuleCatalog.Disco103, allowNpz: false, out var reference, out var ruleError))
            return Problems.Field("rule", ruleError);
        var q = RunQueue.Cpu;
        if (queue is not null && !WireNames.TryParse(queue, out q))
            return Problems.Field("queue", $"Unknown queue '{queue}'; expected one of {string.Join(", ", WireNames.All<RunQueue>())}.");

        var suite = EnvironmentCatalog.Get(env).Suite;
        var ruleText = reference.ToString();
        var options = TrainOptions.All.Where(o => o.Name != TrainOptions.Seed.Name)
            .Select(o => new OptionDefaultDto(o.Name, o.DefaultFor(suite, ruleText), o.DefaultDescriptionFor(suite, ruleText))).ToList();
        return TypedResults.Ok(new TrainDefaultsDto(env, suite, ruleText, options, await ThroughputAsync(env, suite, ruleText, q, user.GetTeamId(), db, ct)));
    }

    private static async Task<ThroughputDto?> ThroughputAsync(string env, string suite, string rule, RunQueue queue, Guid teamId, PlatformDbContext db, CancellationToken ct)
    {
        var family = RuleCatalog.DefaultsFamily(rule);
        var finished = await db.Runs.AsNoTracking()
            .Where(r => r.TeamId == teamId && r.Kind == RunKind.Train && r.Status == RunStatus.Succeeded && r.EnvironmentId == env && r.Queue == queue
                        && r.StartedAt != null && r.FinishedAt != null && r.TotalSteps > 0)
            .OrderByDescending(r => r.FinishedAt).Take(5 * ThroughputHistory)
            .Select(r => new { r.Rule, r.TotalSteps, r.StartedAt, r.FinishedAt }).ToListAsync(ct);
        var rates = finished.Where(r => RuleCatalog.DefaultsFamily(r.Rule) == family).Take(ThroughputHistory)
            .Select(r => r.TotalSteps / Math.Max(1, (r.FinishedAt!.Value - r.StartedAt!.Value).TotalSeconds)).Order().ToList();
        var wire = WireNames.ToWire(queue);
        if (rates.Count > 0)
            return new ThroughputDto(wire, (rates[(rates.Count - 1) / 2] + rates[rates.Count / 2]) / 2,
                $"median of your team's last {rates.Count} finished {family} run(s) on {env} on the {wire} queue");
        return queue == RunQueue.Cpu && MeasuredThroughput.ForCpu(suite, rule) is { } figure
            ? new ThroughputDto(wire, figure.StepsPerSecond, $"{family} on {suite} with the defaults on {MeasuredThroughput.Machine} (BENCHMARKS.md)")
            : null;
    }
}
