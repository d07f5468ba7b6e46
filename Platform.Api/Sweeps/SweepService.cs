using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Sweeps;

/// <summary>Sweeps of one team: create (validate every run, check quotas once, then submit), list, summarise, cancel.</summary>
public sealed class SweepService(PlatformDbContext db, RunService runs, RunQuotas quotas)
{
    public sealed record CreateResult(SweepCreatedDto? Created, IResult? Problem);

    public async Task<CreateResult> CreateAsync(SubmitSweepRequest request, Guid teamId, Guid userId, CancellationToken ct)
    {
        var (expanded, errors) = SweepExpansion.Expand(request);
        if (expanded is null) return new(null, Problems.Validation(errors));

        // Every run is validated before anything is stored: one bad combination refuses the whole sweep.
        var specs = new List<(Data.Runs.RunSpec Spec, string Point)>();
        for (int i = 0; i < expanded.Runs.Count; i++)
        {
            var (run, point) = expanded.Runs[i];
            var (spec, runErrors) = await RunSpecValidator.ValidateAsync(run, teamId, db, ct);
            if (spec is null)
            {
                var where = string.Join(", ", point.Select(kv => $"{kv.Key}={kv.Value.GetRawText()}"));
                return new(null, Problems.Validation(runErrors.ToDictionary(kv => kv.Key.StartsWith("hyperparameters.", StringComparison.Ordinal)
                    && point.ContainsKey(kv.Key["hyperparameters.".Length..]) ? "parameters." + kv.Key["hyperparameters.".Length..] : "base." + kv.Key,
                    kv => kv.Value.Select(m => $"{m} (run {i + 1} of {expanded.Runs.Count}: {where})").ToArray())));
            }
            specs.Add((spec, JsonSerializer.Serialize(point)));
        }
        if (await quotas.CheckAsync(teamId, specs.Select(s => s.Spec).ToList(), ct) is { } refusal) return new(null, Problems.Quota(refusal));

        var sweep = new Sweep
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, CreatedByUserId = userId, Name = request.Name!.Trim(),
            Method = request.Method ?? SweepExpansion.Grid, CreatedAt = DateTimeOffset.UtcNow,
            Definition = JsonSerializer.Serialize(new
            {
                request.Base, method = request.Method ?? SweepExpansion.Grid, request.Parameters, request.Count,
                seeds = request.Seeds, randomSeed = expanded.RandomSeed,
            }, Infrastructure.ApiJson.Strict),
        };
        db.Sweeps.Add(sweep);
        await db.SaveChangesAsync(ct);
        var ids = new List<Guid>();
        foreach (var (spec, point) in specs)
        {
            var result = await runs.SubmitAsync(spec, teamId, userId, null, CancellationToken.None, quotaChecked: true, sweepId: sweep.Id, sweepPoint: point);
            ids.Add(result.Run!.Id);
        }
        return new(new SweepCreatedDto(sweep.Id, ids), null);
    }

    /// <summary>The team's sweeps, newest first: the archived ones (<paramref name="archived"/>) or the others.</summary>
    public async Task<IReadOnlyList<SweepListItemDto>> ListAsync(Guid teamId, bool archived, CancellationToken ct)
    {
        var sweeps = await db.Sweeps.AsNoTracking().Where(s => s.TeamId == teamId && (s.ArchivedAt != null) == archived).OrderByDescending(s => s.CreatedAt).Take(200).ToListAsync(ct);
        var ids = sweeps.Select(s => s.Id).ToList();
        var counts = await db.Runs.AsNoTracking().Where(r => r.SweepId != null && ids.Contains(r.SweepId.Value))
            .GroupBy(r => new { r.SweepId, r.Status }).Select(g => new { g.Key.SweepId, g.Key.Status, N = g.Count() }).ToListAsync(ct);
        return sweeps.Select(s =>
        {
            var mine = counts.Where(c => c.SweepId == s.Id).ToDictionary(c => WireNames.ToWire(c.Status), c => c.N);
            return new SweepListItemDto(s.Id, s.Name, s.Method, s.CreatedAt, s.CancelRequestedAt, mine.Values.Sum(), mine, s.ArchivedAt);
        }).ToList();
    }

    public async Task<SweepDto?> GetAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var sweep = await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, ct);
        if (sweep is null) return null;
        var members = await db.Runs.AsNoTracking().Where(r => r.SweepId == id && r.TeamId == teamId).OrderBy(r => r.CreatedAt).ToListAsync(ct);
        var runDtos = members.Select(r => new SweepRunDto(r.Id, WireNames.ToWire(r.Status), r.FinalScore,
            JsonDocument.Parse(r.SweepPoint ?? "{}").RootElement.Clone(), r.Name)).ToList();   // a run joined without a point reads as {}
        var counts = runDtos.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());

        static JsonElement WithoutSeed(JsonElement point) => JsonSerializer.SerializeToElement(point.ValueKind == JsonValueKind.Object
            ? point.EnumerateObject().Where(p => p.Name != SweepExpansion.SeedKey).OrderBy(p => p.Name, StringComparer.Ordinal).ToDictionary(p => p.Name, p => p.Value)
            : []);
        static (int Finished, double? Mean, double? Min, double? Max) Scores(IEnumerable<SweepRunDto> rs)
        {
            var scores = rs.Where(r => r.Status == "succeeded" && r.FinalScore is not null).Select(r => r.FinalScore!.Value).ToList();
            return scores.Count == 0 ? (0, null, null, null) : (scores.Count, scores.Average(), scores.Min(), scores.Max());
        }
        // One group per setting (a point without its seed). Its rule and environment are its runs' (the same for all of
        // them: both are part of the point when swept).
        var groups = members.Zip(runDtos, (run, dto) => (Run: run, Dto: dto)).GroupBy(m => WithoutSeed(m.Dto.Point).GetRawText()).ToList();
        var settings = groups.Select(g =>
        {
            var (finished, mean, min, max) = Scores(g.Select(m => m.Dto));
            return new SweepSettingDto(JsonDocument.Parse(g.Key).RootElement.Clone(), g.Count(), finished, mean, min, max);
        }).ToList();
        var best = settings.Where(s => s.MeanFinalScore is not null).MaxBy(s => s.MeanFinalScore);
        var robustness = SweepRobustness.Summarise(groups.Zip(settings).Where(x => x.Second.MeanFinalScore is not null)
            .Select(x => new SweepRobustness.Setting(x.First.First().Run.Rule, x.First.First().Run.EnvironmentId, x.Second.MeanFinalScore!.Value)));

        var names = runDtos.Where(r => r.Point.ValueKind == JsonValueKind.Object)
            .SelectMany(r => r.Point.EnumerateObject().Select(p => p.Name)).Where(n => n != SweepExpansion.SeedKey).Distinct().Order(StringComparer.Ordinal);
        var byParameter = names.ToDictionary(n => n, n => (IReadOnlyList<SweepValueDto>)runDtos
            .Where(r => r.Point.ValueKind == JsonValueKind.Object && r.Point.TryGetProperty(n, out _))
            .GroupBy(r => r.Point.GetProperty(n).GetRawText())
            .Select(g => { var (f, mean, min, max) = Scores(g); return new SweepValueDto(JsonDocument.Parse(g.Key).RootElement.Clone(), f, mean, min, max); })
            .OrderBy(v => v.Value.ValueKind == JsonValueKind.Number ? v.Value.GetDouble() : 0).ThenBy(v => v.Value.GetRawText(), StringComparer.Ordinal)
            .ToList());
        return new SweepDto(sweep.Id, sweep.Name, sweep.Method, sweep.CreatedAt, sweep.CancelRequestedAt,
            JsonDocument.Parse(sweep.Definition).RootElement.Clone(), counts, runDtos, settings, best, byParameter, robustness, sweep.ArchivedAt);
    }

    /// <summary>Cancels every run of the sweep that has not finished (queued at once, running ones asked to stop).</summary>
    public async Task<SweepDto?> CancelAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        var sweep = await db.Sweeps.FirstOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, ct);
        if (sweep is null) return null;
        sweep.CancelRequestedAt ??= DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await runs.CancelActiveAsync(teamId, r => r.SweepId == id, ct);
        return await GetAsync(teamId, id, ct);
    }

    /// <summary>
    /// Archives a finished sweep with its runs, or brings them back (<see cref="Archiving"/>). Its runs are archived at the
    /// sweep's own instant, so bringing the sweep back returns exactly those and leaves a run archived on its own before
    /// archived. Refused while any of its runs is queued or running; archiving an archived sweep keeps its first time.
    /// </summary>
    public async Task<ArchiveResult<SweepDto>> SetArchivedAsync(Guid teamId, Guid id, bool archived, CancellationToken ct)
    {
        var sweep = await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.TeamId == teamId, ct);
        if (sweep is null) return new(ArchiveOutcome.NotFound, null);
        var members = db.Runs.Where(r => r.SweepId == id && r.TeamId == teamId);
        if (archived && sweep.ArchivedAt is null)
        {
            int active = await members.CountAsync(RunActivity.Active, ct);
            if (active > 0)
                return new(ArchiveOutcome.Refused, null,
                    $"{active} of its runs {(active == 1 ? "is" : "are")} still queued or running: only a finished sweep is archived (cancel it, or wait).");
            var now = Archiving.Now();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Conditional on the sweep still being unarchived: of two archive requests at once, one stamps it and its runs.
            if (await db.Sweeps.Where(s => s.Id == id && s.ArchivedAt == null).ExecuteUpdateAsync(u => u.SetProperty(s => s.ArchivedAt, now), ct) == 1)
                await members.Where(r => r.ArchivedAt == null).ExecuteUpdateAsync(u => u.SetProperty(r => r.ArchivedAt, now), ct);
            await tx.CommitAsync(ct);
        }
        else if (!archived && sweep.ArchivedAt is { } at)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await members.Where(r => r.ArchivedAt == at).ExecuteUpdateAsync(u => u.SetProperty(r => r.ArchivedAt, (DateTimeOffset?)null), ct);
            await db.Sweeps.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.ArchivedAt, (DateTimeOffset?)null), ct);
            await tx.CommitAsync(ct);
        }
        return new(ArchiveOutcome.Done, await GetAsync(teamId, id, ct));
    }
}
