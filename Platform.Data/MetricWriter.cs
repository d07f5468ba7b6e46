using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Platform.Data.Entities;

namespace Platform.Data;

/// <summary>
/// Appends metric points in one round trip. A point whose (run, name, step) already exists is skipped, so a
/// resumed run may re-send the steps since its last checkpoint without duplicating or failing.
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
        return await db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO metric_points (run_id, name, step, value, wall_time)
            SELECT @run, * FROM unnest(@names, @steps, @values, @times)
            ON CONFLICT (run_id, name, step) DO NOTHING
            """,
            [
                new NpgsqlParameter("run", runId),
                new NpgsqlParameter("names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = names },
                new NpgsqlParameter("steps", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = steps },
                new NpgsqlParameter("values", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = values },
                new NpgsqlParameter("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = times },
            ], ct);
    }
}
