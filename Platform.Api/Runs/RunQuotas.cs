using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Api.Runs;

/// <summary>One team's limits; null: the platform default (<see cref="QuotaOptions"/>).</summary>
public sealed class QuotaSettings
{
    /// <summary>Queued plus running runs the team may have at once.</summary>
    public int? MaxActiveRuns { get; set; }
    /// <summary>Whether the team may use the gpu queue.</summary>
    public bool? AllowGpu { get; set; }
    /// <summary>Largest environment-step budget of one train run.</summary>
    public long? MaxStepsPerRun { get; set; }
}

/// <summary>Settings under "Platform:Quotas": the defaults, and per team (by team name) what differs.</summary>
public sealed class QuotaOptions
{
    public int MaxActiveRuns { get; set; } = 500;
    public bool AllowGpu { get; set; } = true;
    public long MaxStepsPerRun { get; set; } = TrainOptions.MaxSteps;
    public Dictionary<string, QuotaSettings> Teams { get; set; } = [];
}

/// <summary>A submission a quota refuses: the HTTP status (429 for capacity, 400 for a value), the field and why.</summary>
public sealed record QuotaRefusal(int Status, string Field, string Message);

/// <summary>
/// Per-team quotas checked before anything is stored: the runs one request would add (a suite evaluation counts as one
/// request of all its runs) against the team's queued + running runs, the gpu queue, and train budgets.
/// </summary>
public sealed class RunQuotas(PlatformDbContext db, IOptions<PlatformOptions> options)
{
    public async Task<QuotaRefusal?> CheckAsync(Guid teamId, IReadOnlyCollection<RunSpec> specs, CancellationToken ct)
    {
        var defaults = options.Value.Quotas;
        var teamName = await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => t.Name).FirstOrDefaultAsync(ct) ?? "";
        var team = defaults.Teams.GetValueOrDefault(teamName) ?? new QuotaSettings();
        var (maxActive, allowGpu, maxSteps) = (team.MaxActiveRuns ?? defaults.MaxActiveRuns, team.AllowGpu ?? defaults.AllowGpu,
            team.MaxStepsPerRun ?? defaults.MaxStepsPerRun);

        if (!allowGpu && specs.Any(s => s.Queue == RunQueue.Gpu))
            return new QuotaRefusal(StatusCodes.Status400BadRequest, "queue", "Quota: this team may not use the gpu queue.");
        if (specs.OfType<TrainRunSpec>().FirstOrDefault(s => s.Steps > maxSteps) is not null)
            return new QuotaRefusal(StatusCodes.Status400BadRequest, "steps", $"Quota: at most {maxSteps:N0} environment steps per run for this team.");
        var active = await db.Runs.Where(r => r.TeamId == teamId).CountAsync(RunActivity.Active, ct);
        return active + specs.Count > maxActive
            ? new QuotaRefusal(StatusCodes.Status429TooManyRequests, "runs",
                $"Quota: at most {maxActive:N0} queued or running runs per team; the team has {active:N0} and this request adds {specs.Count:N0}.")
            : null;
    }
}
