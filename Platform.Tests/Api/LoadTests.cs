using System.Diagnostics;
using System.Net;
using Platform.Data;
using Platform.Data.Entities;
using Xunit.Abstractions;

namespace Platform.Tests.Api;

/// <summary>
/// Bounded load on loopback against the real API and PostgreSQL: 200 submissions, then 50 concurrent clients
/// reading metric series for a fixed time. No error allowed; latencies are printed and written to
/// .local/bench/api-load.txt (the figures in BENCHMARKS.md come from here). The runs stay queued (no worker).
/// </summary>
public class LoadTests(ApiFixture fx, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    public const int Runs = 200, Clients = 50, PointsPerSeries = 1000;
    public static readonly TimeSpan ReadFor = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SubmitTwoHundredRunsAndReadMetricsFromFiftyClients()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        client.Timeout = TimeSpan.FromSeconds(30);

        // 200 submissions, 10 at a time.
        var submitLatencies = new List<double>();
        var runIds = new List<Guid>();
        var errors = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, Runs), new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (i, ct) =>
        {
            var sw = Stopwatch.StartNew();
            var response = await client.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 100_000, seed = i, tags = new[] { "load" } });
            sw.Stop();
            var body = await response.Content.ReadAsStringAsync(ct);
            lock (runIds)
            {
                submitLatencies.Add(sw.Elapsed.TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.Created) { errors++; return; }
                runIds.Add(System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid());
            }
        });
        Assert.Equal(0, errors);
        Assert.Equal(Runs, runIds.Count);

        // Each run gets two series of 1000 points, written as a worker would.
        await using (var db = fx.Db())
            foreach (var runId in runIds)
                await MetricWriter.AppendAsync(db, runId, Enumerable.Range(1, PointsPerSeries).SelectMany(s => new[]
                {
                    new MetricPoint { RunId = runId, Name = "episode_return", Step = s * 100L, Value = Math.Sin(s), WallTime = DateTimeOffset.UtcNow },
                    new MetricPoint { RunId = runId, Name = "loss", Step = s * 100L, Value = 1.0 / s, WallTime = DateTimeOffset.UtcNow },
                }).ToList());

        // 50 clients, each its own HttpClient (own connections), reading for a fixed time.
        var readLatencies = new List<double>();
        var readErrors = new List<string>();
        var deadline = DateTime.UtcNow + ReadFor;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            using var http = fx.Client(fx.TeamA.ApiKey);
            var rng = new Random(c);
            var mine = new List<double>();
            while (DateTime.UtcNow < deadline)
            {
                var runId = runIds[rng.Next(runIds.Count)];
                var url = rng.Next(2) == 0 ? $"/api/runs/{runId}/metrics?maxPoints=200" : $"/api/runs/{runId}/metrics?name=episode_return";
                var sw = Stopwatch.StartNew();
                using var response = await http.GetAsync(url);
                var body = await response.Content.ReadAsByteArrayAsync();
                sw.Stop();
                mine.Add(sw.Elapsed.TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK || body.Length < 100)
                    lock (readErrors) readErrors.Add($"{(int)response.StatusCode} {url}");
            }
            lock (readLatencies) readLatencies.AddRange(mine);
        }));
        wall.Stop();

        var report = $"""
            API load test (loopback, {Environment.ProcessorCount} cores): {Runs} submissions (10 concurrent), then {Clients} clients reading metrics for {ReadFor.TotalSeconds:0} s
              submit: n={submitLatencies.Count} p50={P(submitLatencies, 0.50):0.0} ms p95={P(submitLatencies, 0.95):0.0} ms max={submitLatencies.Max():0.0} ms errors={errors}
              read metrics (2 series x {PointsPerSeries} points, half downsampled to 200): n={readLatencies.Count} ({readLatencies.Count / wall.Elapsed.TotalSeconds:0} req/s) p50={P(readLatencies, 0.50):0.0} ms p95={P(readLatencies, 0.95):0.0} ms p99={P(readLatencies, 0.99):0.0} ms errors={readErrors.Count}
            """;
        output.WriteLine(report);
        var dir = Path.Combine(RepoRoot(), ".local", "bench");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "api-load.txt"), report + "\n");

        Assert.Empty(readErrors);
        Assert.True(readLatencies.Count >= Clients, "every client completed at least one request");
    }

    private static double P(List<double> values, double q)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
