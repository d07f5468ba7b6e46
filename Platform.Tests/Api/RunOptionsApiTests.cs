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
}
