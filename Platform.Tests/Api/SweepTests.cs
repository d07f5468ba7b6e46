using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Api.Sweeps;
using Platform.Tests.EndToEnd;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>/api/sweeps against the real API, PostgreSQL and Hangfire storage (issue #16, item 1). The runs stay queued
/// (no worker): outcomes are written as a worker would, to check the summaries.</summary>
public class SweepTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);
    private HttpClient B => api.Client(api.TeamB.ApiKey);

    private static object Base => new { env = "catch/8x8", rule = "ppo", steps = 2000, hyperparameters = new Dictionary<string, object> { ["net"] = "small" } };

    [Fact]
    public async Task AGridSweepExpandsEveryCombinationTimesTheSeedsAndSummarisesThem()
    {
        var created = await ReadJsonAsync(await A.PostAsJsonAsync("/api/sweeps", new
        {
            name = "lr x rule", method = "grid", @base = Base, seeds = new[] { 1, 2 },
            parameters = new Dictionary<string, object> { ["lr"] = new[] { 1e-3, 3e-3 }, ["rule"] = new[] { "ppo", "actor-critic" } },
        }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        var runIds = created.GetProperty("runIds").EnumerateArray().Select(r => r.GetGuid()).ToList();
        Assert.Equal(8, runIds.Count);

        var sweep = await ReadJsonAsync(await A.GetAsync($"/api/sweeps/{id}"));
        Assert.Equal("lr x rule", sweep.GetProperty("name").GetString());
        Assert.Equal(8, sweep.GetProperty("counts").GetProperty("queued").GetInt32());
        var points = sweep.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("point")).ToList();
        Assert.Equal(8, points.Select(p => p.GetRawText()).Distinct().Count());
        Assert.All(points, p => Assert.Contains(p.GetProperty("seed").GetInt64(), new long[] { 1, 2 }));
        // Each run is the base with its point put in.
        var run = await ReadJsonAsync(await A.GetAsync($"/api/runs/{runIds[0]}"));
        var point = points[0];
        Assert.Equal(point.GetProperty("rule").GetString(), run.GetProperty("rule").GetString());
        Assert.Equal(point.GetProperty("lr").GetDouble(), run.GetProperty("spec").GetProperty("hyperparameters").GetProperty("lr").GetDouble());
        Assert.Equal("small", run.GetProperty("spec").GetProperty("hyperparameters").GetProperty("net").GetString());
        Assert.Equal(point.GetProperty("seed").GetInt64(), run.GetProperty("seed").GetInt64());

        // Finished runs: final score = 10 × lr (+ seed / 1000); the best setting has lr 3e-3.
        foreach (var r in sweep.GetProperty("runs").EnumerateArray())
        {
            var p = r.GetProperty("point");
            await api.ScalarAsync("UPDATE runs SET status = 'succeeded', finished_at = now(), final_score = @s WHERE id = @id RETURNING 1",
                ("id", r.GetProperty("id").GetGuid()), ("s", 10 * p.GetProperty("lr").GetDouble() + p.GetProperty("seed").GetInt64() / 1000.0));
        }
        sweep = await ReadJsonAsync(await A.GetAsync($"/api/sweeps/{id}"));
        Assert.Equal(8, sweep.GetProperty("counts").GetProperty("succeeded").GetInt32());
        Assert.Equal(4, sweep.GetProperty("settings").GetArrayLength());
        var best = sweep.GetProperty("best");
        Assert.Equal(3e-3, best.GetProperty("point").GetProperty("lr").GetDouble());
        Assert.Equal(2, best.GetProperty("finished").GetInt32());
        Assert.Equal(0.0315, best.GetProperty("meanFinalScore").GetDouble(), 9);
        var lr = sweep.GetProperty("byParameter").GetProperty("lr").EnumerateArray().ToList();
        Assert.Equal([1e-3, 3e-3], lr.Select(v => v.GetProperty("value").GetDouble()));
        Assert.Equal(4, lr[0].GetProperty("finished").GetInt32());
        Assert.Equal(0.0115, lr[0].GetProperty("meanFinalScore").GetDouble(), 9);
        Assert.Equal(0.011, lr[0].GetProperty("minFinalScore").GetDouble(), 9);

        // Robustness per rule: catch/8x8's random play scores about −0.76, so 0.0115 is 97 % of the way to the best 0.0315.
        var robustness = sweep.GetProperty("robustness").EnumerateArray().ToList();
        Assert.Equal(["actor-critic", "ppo"], robustness.Select(r => r.GetProperty("rule").GetString()));
        Assert.All(robustness, r => Assert.Equal((2, 2, 1.0), (r.GetProperty("settings").GetInt32(), r.GetProperty("withinTenPercent").GetInt32(),
            r.GetProperty("share").GetDouble())));

        // Listed; invisible to another team.
        var listed = (await ReadJsonAsync(await A.GetAsync("/api/sweeps"))).EnumerateArray().Single(s => s.GetProperty("id").GetGuid() == id);
        Assert.Equal(8, listed.GetProperty("runs").GetInt32());
        await AssertProblemAsync(await B.GetAsync($"/api/sweeps/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await B.PostAsync($"/api/sweeps/{id}/cancel", null), HttpStatusCode.NotFound);
        Assert.DoesNotContain((await ReadJsonAsync(await B.GetAsync("/api/sweeps"))).EnumerateArray(), s => s.GetProperty("id").GetGuid() == id);
    }

    [Fact]
    public async Task ARandomSweepDrawsReproduciblyFromItsDistributionsAndCancelStopsItsRuns()
    {
        object Request(int randomSeed) => new
        {
            name = "random lr", method = "random", @base = Base, count = 5, randomSeed,
            parameters = new Dictionary<string, object> { ["lr"] = new { distribution = "log-uniform", low = 1e-4, high = 1e-2 } },
        };
        async Task<List<double>> DrawsAsync(Guid id) => (await ReadJsonAsync(await A.GetAsync($"/api/sweeps/{id}"))).GetProperty("runs").EnumerateArray()
            .Select(r => r.GetProperty("point").GetProperty("lr").GetDouble()).ToList();
        var first = (await ReadJsonAsync(await A.PostAsJsonAsync("/api/sweeps", Request(42)), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var second = (await ReadJsonAsync(await A.PostAsJsonAsync("/api/sweeps", Request(42)), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var draws = await DrawsAsync(first);
        Assert.Equal(5, draws.Count);
        Assert.All(draws, x => Assert.InRange(x, 1e-4, 1e-2));
        Assert.Equal(draws, await DrawsAsync(second));
        var definition = (await ReadJsonAsync(await A.GetAsync($"/api/sweeps/{first}"))).GetProperty("definition");
        Assert.Equal(42, definition.GetProperty("randomSeed").GetInt32());

        var cancelled = await ReadJsonAsync(await A.PostAsync($"/api/sweeps/{first}/cancel", null));
        Assert.Equal(5, cancelled.GetProperty("counts").GetProperty("cancelled").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, cancelled.GetProperty("cancelRequestedAt").ValueKind);
        Assert.Equal(5, (await ReadJsonAsync(await A.GetAsync($"/api/sweeps/{second}"))).GetProperty("counts").GetProperty("queued").GetInt32());
    }

    [Fact]
    public async Task TheWebFormsSweepIsTheOneTheApiExpands()
    {
        // The web app's sweep design (Platform.Web.dll of this build, through reflection: the web app has no reference to
        // the API). Its limits and names are the API's.
        var designType = WebAssemblyOfThisBuild.Type("Platform.Web.Services.SweepDesign");
        T Constant<T>(string name) => (T)designType.GetField(name)!.GetValue(null)!;
        Assert.Equal(SweepExpansion.MaxRuns, Constant<int>("MaxRuns"));
        Assert.Equal(SweepExpansion.Distributions, Constant<string[]>("Distributions"));
        Assert.Equal((SweepExpansion.Grid, SweepExpansion.Random, SweepExpansion.Rule, SweepExpansion.Env),
            (Constant<string>("Grid"), Constant<string>("Random"), Constant<string>("Rule"), Constant<string>("Env")));

        // A design over the options the API serves (read as the web app reads them) is accepted as built, and submits
        // the runs the form counted.
        var optionType = WebAssemblyOfThisBuild.Type("Platform.Web.Services.RunOptionDto");
        var options = (await A.GetFromJsonAsync<Dictionary<string, JsonElement>>("/api/run-options"))!["train"];
        var all = (System.Collections.IList)options.Deserialize(typeof(List<>).MakeGenericType(optionType), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        dynamic train = Activator.CreateInstance(typeof(List<>).MakeGenericType(optionType))!;
        foreach (dynamic o in all) if (o.IsHyperparameter) train.Add(o);
        string[] rules = ["ppo", "actor-critic", "disco103"], envs = ["catch/5x5", "catch/8x8"];
        dynamic design = Activator.CreateInstance(designType)!;
        design.Name = "from the form";
        design.Method = "random";
        design.Count = "3";
        design.Swept = new List<string> { "rule", "lr", "batch", "net" };
        design.Picked["rule"] = new List<string> { "ppo", "actor-critic" };
        design.Picked["net"] = new List<string> { "small" };
        design.Distribution["lr"] = "log-uniform";
        design.Low["lr"] = "1e-4";
        design.High["lr"] = "1e-2";
        design.Values["batch"] = "16, 32";
        Assert.Equal(6L, (long?)design.RunCount(train, rules, envs, 2));
        var built = design.Build(train, rules, envs);
        Assert.Empty((System.Collections.IEnumerable)built.Item2);
        var created = await ReadJsonAsync(await A.PostAsJsonAsync("/api/sweeps", new
        {
            name = (string)design.Name, method = (string)design.Method, count = (int?)built.Item1.Count,
            parameters = (Dictionary<string, JsonElement>)built.Item1.Parameters, seeds = new[] { 4, 5 },
            @base = new { env = "catch/5x5", rule = "disco103", steps = 2000 },
        }), HttpStatusCode.Created);
        Assert.Equal(6, created.GetProperty("runIds").GetArrayLength());
        var sweep = await ReadJsonAsync(await A.GetAsync($"/api/sweeps/{created.GetProperty("id").GetGuid()}"));
        Assert.All(sweep.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("point")), p =>
        {
            Assert.Contains(p.GetProperty("rule").GetString(), new[] { "ppo", "actor-critic" });
            Assert.Contains(p.GetProperty("env").GetString(), envs);
            Assert.InRange(p.GetProperty("lr").GetDouble(), 1e-4, 1e-2);
            Assert.Contains(p.GetProperty("batch").GetInt64(), new long[] { 16, 32 });
            Assert.Equal("small", p.GetProperty("net").GetString());
        });

        // Out of an option's range, or unfinished: the form says where, before anything is sent.
        design.Values["batch"] = "16, 0";
        design.Picked["net"] = new List<string>();
        var refused = new List<(string Key, string Message)>();
        foreach (var e in (System.Collections.IEnumerable)design.Build(train, rules, envs).Item2)
        {
            dynamic d = e;
            refused.Add(((string)d.Item1, (string)d.Item2));
        }
        Assert.Contains(refused, e => e.Key == "batch" && e.Message.Contains("'0'"));
        Assert.Contains(refused, e => e.Key == "net");
        Assert.Null((long?)design.RunCount(train, rules, envs, 1));
    }

    [Fact]
    public async Task ABadSweepIsRefusedWithTheFieldAndNothingIsStored()
    {
        var runs = await api.ScalarAsync("SELECT count(*) FROM runs");
        var sweeps = await api.ScalarAsync("SELECT count(*) FROM sweeps");
        async Task RefusedAsync(object body, string field, string? message = null)
        {
            var problem = await ReadJsonAsync(await A.PostAsJsonAsync("/api/sweeps", body), HttpStatusCode.BadRequest);
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"no error for {field}: {problem}");
            if (message is not null) Assert.Contains(message, messages[0].GetString());
        }
        Dictionary<string, object> Lr(params double[] values) => new() { ["lr"] = values };
        await RefusedAsync(new { name = "x", method = "grid", @base = Base, parameters = Lr(1e-3, 50.0) }, "parameters.lr", "run 2 of 2");   // lr above its range (0, 10]
        await RefusedAsync(new { name = "x", method = "grid", @base = Base, parameters = new Dictionary<string, object> { ["nope"] = new[] { 1 } } }, "parameters.nope");
        await RefusedAsync(new { name = "x", method = "grid", @base = Base, parameters = new Dictionary<string, object> { ["seed"] = new[] { 1 } } }, "parameters.seed");
        await RefusedAsync(new { name = "x", method = "sideways", @base = Base, parameters = Lr(1e-3) }, "method");
        await RefusedAsync(new { name = "", method = "grid", @base = Base, parameters = Lr(1e-3) }, "name");
        await RefusedAsync(new { name = "x", method = "random", @base = Base, parameters = Lr(1e-3) }, "count");
        await RefusedAsync(new { name = "x", method = "random", @base = Base, count = 3, parameters = new Dictionary<string, object>
            { ["lr"] = new { distribution = "log-uniform", low = 0, high = 1e-2 } } }, "parameters.lr", "low > 0");
        await RefusedAsync(new { name = "x", method = "grid", @base = Base, seeds = new[] { 1, 1 }, parameters = Lr(1e-3) }, "seeds");
        await RefusedAsync(new { name = "x", method = "grid", @base = Base, seeds = Enumerable.Range(0, 30).ToArray(),
            parameters = Lr(1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 7e-3) }, "parameters", "at most 200");
        await RefusedAsync(new { name = "x", method = "grid", @base = new { env = "catch/8x8", rule = "ppo" }, parameters = Lr(1e-3) }, "base.steps");
        Assert.Equal(runs, await api.ScalarAsync("SELECT count(*) FROM runs"));
        Assert.Equal(sweeps, await api.ScalarAsync("SELECT count(*) FROM sweeps"));
    }
}
