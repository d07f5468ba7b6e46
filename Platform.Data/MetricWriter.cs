using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using Platform.Data.Entities;

namespace Platform.Data;

/// <summary>
/// Appends metric points in one round trip. A point whose (run, name, step) already exists is skipped, so a
/// resumed run may re-send the steps since its last checkpoint without duplicating or failing. When any point is new,
/// the same statement bumps the run's <see cref="Entities.Run.MetricsVersion"/> (readers cache series by it).
/// </summary>
public static class MetricWriter
{
    /// <returns>How many points were new.</returns>
    public static async Task<int> AppendAsync(PlatformDbContext db, Guid runId, IReadOnlyCollection<MetricPoint> points,
        CancellationToken ct = default)
    {
        if (points.Count == 0) return 0;
        var names = points.Select(p => p.Name).ToArray();
        var steps = points.Select(p => p.Step).ToArray();
        var values = points.Select(p => p.Value).ToArray();
        var times = points.Select(p => p.WallTime == default ? DateTimeOffset.UtcNow : p.WallTime.ToUniversalTime()).ToArray();
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = conn.State != System.Data.ConnectionState.Open;
        if (opened) await conn.OpenAsync(ct);
        try
        {
            await using var cmd = conn.CreateCommand();
            cmd.Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
            cmd.CommandText = """
                WITH added AS (
                    INSERT INTO metric_points (run_id, name, step, value, wall_time)
                    SELECT @run, * FROM unnest(@names, @steps, @values, @times)
                    ON CONFLICT (run_id, name, step) DO NOTHING
                    RETURNING 1),
                bumped AS (
                    UPDATE runs SET metrics_version = metrics_version + 1
                    WHERE id = @run AND EXISTS (SELECT 1 FROM added))
                SELECT count(*)::int FROM added
                """;
            cmd.Parameters.Add(new NpgsqlParameter("run", runId));
            cmd.Parameters.Add(new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = names });
            cmd.Parameters.Add(new NpgsqlParameter("steps", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = steps });
            cmd.Parameters.Add(new NpgsqlParameter("values", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = values });
            cmd.Parameters.Add(new NpgsqlParameter("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = times });
            return (int)(await cmd.ExecuteScalarAsync(ct))!;
        }
        finally
        {
            if (opened) await conn.CloseAsync();
        }
    }
}
