using System.Text.Json;
using Platform.Data.Runs;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>GET /api/run-options serves the tables the API validates against; the form renders from this answer.</summary>
public class RunOptionsApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task RunOptionsServesEveryTableAsDeclared()
    {
        using var client = api.Client(api.TeamA.ApiKey);
        var served = await ReadJsonAsync(await client.GetAsync("/api/run-options"));
        Assert.Equal(RunOptionTables.All.Keys.Order(), served.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (kind, table) in RunOptionTables.All)
        {
            var options = served.GetProperty(kind).EnumerateArray().ToList();
            Assert.Equal(table.Select(o => o.Name), options.Select(o => o.GetProperty("name").GetString()));
            foreach (var (option, json) in table.Zip(options))
            {
                Assert.Equal(option.HelpLine, json.GetProperty("helpLine").GetString());
                Assert.Equal(option.DefaultDescription, json.GetProperty("defaultDescription").GetString());
                Assert.Equal(option.RangeDescription, json.GetProperty("rangeDescription").GetString());
                Assert.Equal(option.FieldPath, json.GetProperty("fieldPath").GetString());
                Assert.Equal(JsonNamingPolicy.KebabCaseLower.ConvertName(option.Type.ToString()), json.GetProperty("type").GetString());
                Assert.Equal(option.Min, json.GetProperty("min").ValueKind == JsonValueKind.Null ? null : json.GetProperty("min").GetDouble());
                Assert.Equal(option.Max, json.GetProperty("max").ValueKind == JsonValueKind.Null ? null : json.GetProperty("max").GetDouble());
            }
        }
    }

    public static TheoryData<string, string> OutOfRange()
    {
        // For every numeric hyperparameter of train and meta-train: just past each end of its range is refused, naming it.
        var data = new TheoryData<string, string>();
        foreach (var (kind, table) in new[] { (RunOptionTables.Train, TrainOptions.All), (RunOptionTables.MetaTrain, MetaTrainOptions.All) })
        foreach (var option in RunOptionTables.Hyperparameters(table).Where(o => o.Type is RunOptionType.Integer or RunOptionType.Number))
        {
            var step = option.Type == RunOptionType.Integer ? 1 : Math.Max(1e-9, Math.Abs(option.Max ?? 1) * 1e-6);
            if (option.Min is { } lo) data.Add(kind, $$"""{"{{option.Name}}":{{Num(option.MinExclusive ? lo : lo - step)}}}""");
            if (option.Max is { } hi) data.Add(kind, $$"""{"{{option.Name}}":{{Num(hi + step * Math.Max(1, Math.Abs(hi) * 1e-6))}}}""");
        }
        return data;
    }

    private static string Num(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task EachEndOfEachRangeIsEnforced(string kind, string hyperparameters)
    {
        using var client = api.Client(api.TeamA.ApiKey);
        var before = await api.CountRunsAsync();
        var body = kind == RunOptionTables.Train
            ? $$"""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{{hyperparameters}}}"""
            : $$"""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{{hyperparameters}}}""";
        var name = JsonDocument.Parse(hyperparameters).RootElement.EnumerateObject().Single().Name;
        await AssertFieldProblemAsync(await client.PostAsync("/api/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json")), System.Net.HttpStatusCode.BadRequest, "hyperparameters." + name);
        Assert.Equal(before, await api.CountRunsAsync());
    }

    private static Dictionary<string, JsonElement> Options(JsonElement defaults) =>
        defaults.GetProperty("options").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!, o => o);

    [Theory]
    [InlineData("catch/8x8", "disco103")]
    [InlineData("catch/8x8", "actor-critic")]
    [InlineData("catch/5x5", "ppo")]
    [InlineData("minatar/breakout", "disco103")]
    [InlineData("procgen/maze", "ppo")]
    public async Task TrainDefaultsAreTheTablesForTheSuiteAndRuleWithTheirSources(string env, string rule)
    {
        using var client = api.Client(api.TeamB.ApiKey);
        var served = await ReadJsonAsync(await client.GetAsync($"/api/run-options/train/defaults?env={env}&rule={rule}"));
        var suite = Platform.Data.Environments.EnvironmentCatalog.Get(env).Suite;
        Assert.Equal(suite, served.GetProperty("suite").GetString());
        var options = Options(served);
        Assert.Equal(TrainOptions.All.Where(o => o.Name != "seed").Select(o => o.Name), options.Keys);
        foreach (var option in TrainOptions.All.Where(o => o.Name != "seed"))
        {
            var json = options[option.Name];
            Assert.Equal(option.DefaultFor(suite, rule)?.GetRawText() ?? "null", json.GetProperty("value").GetRawText());
            Assert.Equal(option.DefaultDescriptionFor(suite, rule), json.GetProperty("description").GetString());
            if (option.ScopedDefaultFor(suite, rule) is { } scoped) Assert.Contains(scoped.Source, json.GetProperty("description").GetString());
        }
        // With no finished run of the team's, the cpu estimate is the measured figure (BENCHMARKS.md), when there is one.
        var throughput = served.GetProperty("throughput");
        if (MeasuredThroughput.ForCpu(suite, rule) is { } figure)
        {
            Assert.Equal(figure.StepsPerSecond, throughput.GetProperty("stepsPerSecond").GetDouble());
            Assert.Contains("BENCHMARKS.md", throughput.GetProperty("basis").GetString());
        }
        else Assert.Equal(JsonValueKind.Null, throughput.ValueKind);
    }

    [Fact]
    public async Task AMetaNetworkTakesDisco103sDefaults()
    {
        using var client = api.Client(api.TeamB.ApiKey);
        var served = await ReadJsonAsync(await client.GetAsync($"/api/run-options/train/defaults?env=catch/8x8&rule=meta-network:{Guid.NewGuid()}"));
        Assert.Equal(1e-2, Options(served)["lr"].GetProperty("value").GetDouble());
        Assert.Equal(32, Options(served)["batch"].GetProperty("value").GetInt32());
    }

    [Fact]
    public async Task TheThroughputEstimateIsTheMedianOfTheTeamsOwnFinishedRunsAndOnlyTheirs()
    {
        // Team A: three finished disco103 runs on catch/5x5 (cpu) at 500, 600 and 2,000 steps/s; a failed one and a PPO
        // one, which do not count. Team B has none of its own.
        await using (var db = api.Db())
        {
            var end = DateTimeOffset.UtcNow;
            Platform.Data.Entities.Run Finished(double stepsPerSecond, string rule = "disco103",
                Platform.Data.Entities.RunStatus status = Platform.Data.Entities.RunStatus.Succeeded) => new()
            {
                Id = Guid.NewGuid(), TeamId = api.TeamA.TeamId, Kind = Platform.Data.Entities.RunKind.Train, Status = status,
                Queue = Platform.Data.Entities.RunQueue.Cpu, Spec = "{}", EnvironmentId = "catch/5x5", Rule = rule, TotalSteps = 60_000,
                CreatedAt = end.AddHours(-1), StartedAt = end.AddSeconds(-60_000 / stepsPerSecond), FinishedAt = end,
            };
            db.Runs.AddRange(Finished(500), Finished(600), Finished(2_000), Finished(10, status: Platform.Data.Entities.RunStatus.Failed), Finished(9_000, "ppo"));
            await db.SaveChangesAsync();
        }
        using var a = api.Client(api.TeamA.ApiKey);
        var mine = (await ReadJsonAsync(await a.GetAsync("/api/run-options/train/defaults?env=catch/5x5&rule=disco103&queue=cpu"))).GetProperty("throughput");
        Assert.Equal(600, mine.GetProperty("stepsPerSecond").GetDouble(), 1e-6);
        Assert.Contains("last 3 finished", mine.GetProperty("basis").GetString());
        var gpu = (await ReadJsonAsync(await a.GetAsync("/api/run-options/train/defaults?env=catch/5x5&rule=disco103&queue=gpu"))).GetProperty("throughput");
        Assert.Equal(JsonValueKind.Null, gpu.ValueKind); // no gpu run finished, and no gpu figure measured

        using var b = api.Client(api.TeamB.ApiKey);
        var theirs = (await ReadJsonAsync(await b.GetAsync("/api/run-options/train/defaults?env=catch/5x5&rule=disco103"))).GetProperty("throughput");
        Assert.DoesNotContain("your team", theirs.ValueKind == JsonValueKind.Null ? "" : theirs.GetProperty("basis").GetString());
    }

    [Theory]
    [InlineData("env=nope/1&rule=ppo", "env")]
    [InlineData("rule=ppo", "env")]
    [InlineData("env=catch/8x8&rule=npz:/etc/passwd.npz", "rule")]
    [InlineData("env=catch/8x8&rule=gae", "rule")]
    [InlineData("env=catch/8x8&rule=ppo&queue=tpu", "queue")]
    public async Task TrainDefaultsRefuseBadQueriesNamingTheField(string query, string field)
    {
        using var client = api.Client(api.TeamA.ApiKey);
        await AssertFieldProblemAsync(await client.GetAsync("/api/run-options/train/defaults?" + query), System.Net.HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public void TheMeasuredThroughputIsBenchmarksMdsTable()
    {
        var benchmarks = File.ReadAllText(Path.Combine(Platform.Tests.EndToEnd.WebFixture.RepoRoot(), "BENCHMARKS.md"));
        Assert.NotEmpty(MeasuredThroughput.Cpu);
        foreach (var f in MeasuredThroughput.Cpu)
            Assert.Contains($"| {f.Suite} | {f.Rule} | {f.StepsPerSecond:0} |", benchmarks);
        Assert.Equal(MeasuredThroughput.Cpu.Count, MeasuredThroughput.Cpu.Select(f => (f.Suite, f.Rule)).Distinct().Count());
    }
}
