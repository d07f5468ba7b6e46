using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Data;

namespace Platform.Api.Runs;

/// <summary>
/// Reads metric series. Downsampling happens in PostgreSQL: the series is cut into maxPoints buckets of equal
/// point count (ntile over step) and each bucket becomes one point: its last step, mean value, last wall time.
/// Only maxPoints rows leave the database however long the run was.
/// </summary>
public sealed class MetricQueries(PlatformDbContext db)
{
    public async Task<IReadOnlyList<MetricSeriesDto>> ReadAsync(Guid runId, string? name, int? maxPoints, CancellationToken ct)
    {
        var names = name is not null
            ? [name]
            : await db.MetricPoints.Where(m => m.RunId == runId).Select(m => m.Name).Distinct().OrderBy(n => n).ToListAsync(ct);

        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await conn.OpenAsync(ct);

        var series = new List<MetricSeriesDto>();
        foreach (var n in names)
        {
            var total = await db.MetricPoints.CountAsync(m => m.RunId == runId && m.Name == n, ct);
            if (total == 0 && name is not null) { series.Add(new MetricSeriesDto(n, 0, [])); continue; }

            await using var cmd = conn.CreateCommand();
            cmd.Parameters.AddWithValue("run", runId);
            cmd.Parameters.AddWithValue("name", n);
            if (maxPoints is { } max && total > max)
            {
                cmd.CommandText = """
                    SELECT max(step), avg(value), max(wall_time) FROM (
                        SELECT step, value, wall_time, ntile(@max) OVER (ORDER BY step) AS bucket
                        FROM metric_points WHERE run_id = @run AND name = @name) s
                    GROUP BY bucket ORDER BY bucket
                    """;
                cmd.Parameters.AddWithValue("max", max);
            }
            else
            {
                cmd.CommandText = "SELECT step, value, wall_time FROM metric_points WHERE run_id = @run AND name = @name ORDER BY step";
            }

            var points = new List<MetricPointDto>(Math.Min(total, maxPoints ?? total));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                points.Add(new MetricPointDto(reader.GetInt64(0), reader.GetDouble(1), reader.GetFieldValue<DateTimeOffset>(2)));
            series.Add(new MetricSeriesDto(n, total, points));
        }
        return series;
    }
}
