using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data;

namespace Platform.Api.Runs;

/// <summary>
/// Reads metric series. Downsampling happens in PostgreSQL: the series is cut into maxPoints buckets of equal
/// point count (ntile over step) and each bucket becomes one point: its last step, mean value, last wall time.
/// Only maxPoints rows leave the database however long the run was. Reads are cached, as the response's JSON, by the
/// run's <see cref="Data.Entities.Run.MetricsVersion"/> (<see cref="MetricCache"/>).
/// </summary>
public sealed class MetricQueries(PlatformDbContext db, MetricCache cache, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    /// <summary>
    /// The run's series (one, or all; each downsampled to maxPoints) as the UTF-8 JSON of a <see cref="RunMetricsDto"/>,
    /// serialised with the API's JSON options once per (run, version, name, maxPoints) and served from memory after that.
    /// <paramref name="version"/> is the run's metrics version, read after its scope check and before the points: every
    /// write of points bumps it in the same statement, so what is cached under a version is never older than it.
    /// </summary>
    public async Task<byte[]> ReadJsonAsync(Guid runId, long version, string? name, int? maxPoints, CancellationToken ct)
    {
        var key = new MetricCache.Key(runId, version, name, maxPoints);
        if (cache.TryGet(key) is { } hit) return hit;
        var series = await ReadStoredAsync(runId, name, maxPoints, ct);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new RunMetricsDto(runId, series), json.Value.SerializerOptions);
        cache.Set(key, bytes);
        return bytes;
    }

    /// <summary>The stored series, read from PostgreSQL.</summary>
    private async Task<IReadOnlyList<MetricSeriesDto>> ReadStoredAsync(Guid runId, string? name, int? maxPoints, CancellationToken ct)
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

/// <summary>
/// Metric reads (response JSON) by (run, metrics version, name, maxPoints), shared by the API's requests: a series is
/// read from PostgreSQL and serialised once per version, then served from memory to every client that polls it (a
/// finished run's series never change). Bounded by bytes held (<see cref="MaxBytes"/>); unused entries expire.
/// </summary>
public sealed class MetricCache : IDisposable
{
    /// <summary>Bytes of JSON held at most (a 1,000-point series is about 70 KB).</summary>
    public const long MaxBytes = 128L << 20;
    private static readonly TimeSpan Unused = TimeSpan.FromMinutes(5);

    public readonly record struct Key(Guid RunId, long Version, string? Name, int? MaxPoints);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxBytes });

    public byte[]? TryGet(Key key) => _cache.TryGetValue(key, out byte[]? v) ? v : null;

    public void Set(Key key, byte[] json) =>
        _cache.Set(key, json, new MemoryCacheEntryOptions { Size = json.Length, SlidingExpiration = Unused });

    public void Dispose() => _cache.Dispose();
}
