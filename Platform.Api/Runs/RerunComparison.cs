using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Api.Runs;

/// <summary>
/// A re-run against its original (issue #16): whether every stored metric point (the wall-clock ones left out) is the
/// same bit for bit, or the first (step, metric) where they differ; and whether the two ran on the same kind of machine
/// (CPU or GPU model, device, torch threads) with the same resolved configuration, from their provenance. The learner is
/// deterministic, so on the same kind of machine with the same code a re-run should match exactly.
/// </summary>
public sealed record RerunComparisonDto(
    Guid RunId, Guid OriginalId, string Outcome, long ComparedPoints,
    string? FirstDifferenceMetric, long? FirstDifferenceStep, double? OriginalValue, double? RerunValue,
    bool? SameMachineKind, bool? SameConfiguration, bool? SameCode)
{
    /// <summary>Outcome: both not finished yet; every point equal; a point differs (or is missing in one of them).</summary>
    public const string Pending = "pending", Identical = "identical", Differs = "differs";
}

public sealed class RerunComparison(PlatformDbContext db)
{
    private static readonly string[] MachineKeys = [RunProvenanceKeys.Cpu, RunProvenanceKeys.Gpu, RunProvenanceKeys.Device, RunProvenanceKeys.Threads];

    public async Task<RerunComparisonDto?> CompareAsync(Run rerun, CancellationToken ct)
    {
        if (rerun.RerunOfId is not { } originalId) return null;
        var original = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == originalId && r.TeamId == rerun.TeamId, ct);
        if (original is null) return null;
        var (machine, config, code) = SameProvenance(original, rerun);
        if (!Finished(original) || !Finished(rerun))
            return new RerunComparisonDto(rerun.Id, originalId, RerunComparisonDto.Pending, 0, null, null, null, null, machine, config, code);

        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await conn.OpenAsync(ct);
        await using var cmd = conn.CreateCommand();
        // Every (metric, step) of either run, joined; the first whose values are not identical (or that one run lacks).
        cmd.CommandText = """
            WITH a AS (SELECT name, step, value FROM metric_points WHERE run_id = @original AND NOT (name = ANY(@ignored))),
                 b AS (SELECT name, step, value FROM metric_points WHERE run_id = @rerun AND NOT (name = ANY(@ignored))),
                 j AS (SELECT name, step, a.value AS original, b.value AS rerun FROM a FULL JOIN b USING (name, step))
            SELECT (SELECT count(*) FROM j), d.name, d.step, d.original, d.rerun
            FROM (SELECT 1) one LEFT JOIN LATERAL (
                SELECT name, step, original, rerun FROM j WHERE original IS DISTINCT FROM rerun ORDER BY step, name LIMIT 1) d ON true
            """;
        cmd.Parameters.AddWithValue("original", originalId);
        cmd.Parameters.AddWithValue("rerun", rerun.Id);
        cmd.Parameters.AddWithValue("ignored", RunFolderLayout.WallClockMetrics.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var compared = reader.GetInt64(0);
        if (reader.IsDBNull(1))
            return new RerunComparisonDto(rerun.Id, originalId, RerunComparisonDto.Identical, compared, null, null, null, null, machine, config, code);
        double? Value(int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);
        return new RerunComparisonDto(rerun.Id, originalId, RerunComparisonDto.Differs, compared, reader.GetString(1), reader.GetInt64(2),
            Value(3), Value(4), machine, config, code);
    }

    private static bool Finished(Run r) => r.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled;

    /// <summary>Do both runs' provenance records agree on the machine, the configuration and the code? Null where either has none.</summary>
    private static (bool? Machine, bool? Config, bool? Code) SameProvenance(Run a, Run b)
    {
        if (a.Provenance is null || b.Provenance is null) return (null, null, null);
        using var pa = JsonDocument.Parse(a.Provenance);
        using var pb = JsonDocument.Parse(b.Provenance);
        bool Same(IEnumerable<string> keys) => keys.All(key => JsonElement.DeepEquals(
            pa.RootElement.TryGetProperty(key, out var x) ? x : default, pb.RootElement.TryGetProperty(key, out var y) ? y : default));
        return (Same(MachineKeys), Same([RunProvenanceKeys.Config]), Same([RunProvenanceKeys.GitCommit]));
    }
}
