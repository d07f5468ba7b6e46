using System.Globalization;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Tests.Api;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Issue #19 (items 8 and 14) in the browser: a run's page is laid out for its kind (an evaluation shows its episodes,
/// a meta-training run its validation scores and selected meta-network), charts put the x-axis title under the plot and
/// leave the steps/s warm-up out of the scale, and the runs table keeps a finished run's steps/s after a reload. Runs
/// and their metrics are seeded in the database; each test uses a team of its own.
/// </summary>
public class RunDetailWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    private async Task<Run> SeedAsync(Guid teamId, RunKind kind, long totalSteps, double? finalScore, IEnumerable<(string Name, long Step, double Value)> points,
        Func<Run, IEnumerable<Checkpoint>>? checkpoints = null)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = kind, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = "catch/5x5", Rule = kind == RunKind.MetaTrain ? "disco103" : "ppo", Seed = 1,
            TotalSteps = totalSteps, CurrentStep = totalSteps, FinalScore = finalScore,
            CreatedAt = DateTimeOffset.UtcNow, StartedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
        };
        await using var db = fx.Db();
        db.Runs.Add(run);
        db.MetricPoints.AddRange(points.Select(p => new MetricPoint { RunId = run.Id, Name = p.Name, Step = p.Step, Value = p.Value, WallTime = DateTimeOffset.UtcNow }));
        if (checkpoints is not null) db.Checkpoints.AddRange(checkpoints(run));
        await db.SaveChangesAsync();
        return run;
    }

    private async Task<IPage> OpenAsync(TestUser user, string path)
    {
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync(path);
        await WebFixture.WaitForCircuitAsync(page);
        return page;
    }

    private static string Format(double x) => x.ToString("0.###", CultureInfo.CurrentCulture);

    [Fact]
    public void AnEvaluationsPageReadsEveryEpisodeInOneRequest() =>
        // The run page asks for as many points as the run has episodes: the API must allow that many.
        Assert.True(Platform.Data.Runs.EvaluateOptions.MaxEpisodes <= Platform.Api.Endpoints.RunEndpoints.MaxMaxPoints);

    [BrowserFact]
    public async Task AnEvaluationShowsItsEpisodesNotTrainingCurves()
    {
        var user = await fx.CreateUserAsync("team-run-evaluate", "evaluate@run.detail", "an evaluate team password");
        // 100 episodes: 70 caught (+1), 30 missed (−1).
        var returns = Enumerable.Range(0, 100).Select(i => i % 10 < 7 ? 1.0 : -1.0).ToList();
        var mean = returns.Average();
        var se = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Count - 1) / returns.Count);
        var run = await SeedAsync(user.TeamId, RunKind.Evaluate, returns.Count, mean,
            returns.Select((r, i) => ("evaluation_return", (long)i + 1, r)).Append(("mean_return", returns.Count, mean)));

        var page = await OpenAsync(user, $"/runs/{run.Id}");
        await Assertions.Expect(page.Locator("[data-test=run-steps]")).ToContainTextAsync("Episodes");
        await Assertions.Expect(page.Locator("[data-test=run-steps]")).ToContainTextAsync("100 / 100");
        await Assertions.Expect(page.Locator("[data-test=evaluation-episodes]")).ToContainTextAsync("100");
        await Assertions.Expect(page.Locator("[data-test=evaluation-mean]")).ToContainTextAsync($"{Format(mean)} ± {Format(se)}");
        await Assertions.Expect(page.Locator("[data-test=evaluation-range]")).ToContainTextAsync($"{Format(-1)} / {Format(1)}");
        // One bar per value the returns take, as many episodes as took it.
        var bars = page.Locator("[data-test=episode-histogram] .histogram-bar");
        await Assertions.Expect(bars).ToHaveCountAsync(2);
        await Assertions.Expect(bars.Nth(0)).ToHaveAttributeAsync("data-episodes", returns.Count(r => r < 0).ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(bars.Nth(1)).ToHaveAttributeAsync("data-episodes", returns.Count(r => r > 0).ToString(CultureInfo.InvariantCulture));
        // No training layout: no return curve waiting for episodes, no checkpoints panel; the replay note is not a failure.
        await Assertions.Expect(page.GetByText("No episodes finished yet")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=return-chart]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=no-checkpoints]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=replay-empty]")).ToContainTextAsync("records no replay of its own");
        await Assertions.Expect(page.Locator("[data-test=replay-empty]")).Not.ToContainTextAsync("could not");
        await WebFixture.ScreenshotAsync(page, "run-evaluate");
    }

    [BrowserFact]
    public async Task AMetaTrainingRunShowsItsValidationScoresAndSelectedMetaNetwork()
    {
        var user = await fx.CreateUserAsync("team-run-meta", "meta@run.detail", "a meta team password");
        var validations = new Dictionary<long, double> { [10] = 0.1, [20] = 0.5, [30] = 0.3 };
        const long best = 20;
        var run = await SeedAsync(user.TeamId, RunKind.MetaTrain, 30, 0.2,
            Enumerable.Range(1, 30).Select(i => ("inner_return", (long)i, i / 30.0))
                .Concat(validations.Select(v => ("validation_return", v.Key, v.Value))),
            r => validations.Select(v => new Checkpoint
            {
                Id = Guid.CreateVersion7(), Kind = CheckpointKind.MetaNetwork, RunId = r.Id, TeamId = r.TeamId, Name = $"meta-step {v.Key}", Step = v.Key,
                Sha256 = new string('0', 64), StorageUri = "/nonexistent.npz", CreatedAt = DateTimeOffset.UtcNow,
                ValidationReturn = v.Value, Selected = v.Key == best,
            }));

        var page = await OpenAsync(user, $"/runs/{run.Id}");
        await Assertions.Expect(page.Locator("[data-test=run-steps]")).ToContainTextAsync("Meta-steps");
        var rows = page.Locator("[data-test=meta-validation] [data-test=validation-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(validations.Count);
        foreach (var (step, score) in validations)
        {
            var row = page.Locator($"[data-test=validation-row][data-step='{step}']");
            await Assertions.Expect(row).ToContainTextAsync(Format(score));
            await Assertions.Expect(row).ToHaveAttributeAsync("data-selected", step == best ? "true" : "false");
        }
        await Assertions.Expect(page.Locator("[data-test=selected-checkpoint]")).ToHaveCountAsync(1);
        await WebFixture.ScreenshotAsync(page, "run-meta-train-validation");
    }

    [BrowserFact]
    public async Task ChartsPutTheXAxisTitleUnderThePlotAndLeaveTheStepsPerSecondWarmUpOut()
    {
        var user = await fx.CreateUserAsync("team-run-charts", "charts@run.detail", "a charts team password");
        // Two warm-up points (start-up, then actors filling the replay without a learner step) far above the rest.
        var rates = new List<(long Step, double Sps, double Learner)> { (1_000, 60_000, 0), (2_000, 40_000, 0) };
        rates.AddRange(Enumerable.Range(3, 18).Select(i => ((long)i * 1_000, 1_000.0 + 10 * (i % 5), (double)i)));
        var run = await SeedAsync(user.TeamId, RunKind.Train, 20_000, 0.5,
            rates.SelectMany(r => new[] { ("steps_per_second", r.Step, r.Sps), ("learner_steps", r.Step, r.Learner), ("episode_return", r.Step, r.Step / 20_000.0) }));

        var page = await OpenAsync(user, $"/runs/{run.Id}");
        var chart = page.Locator("[data-test=return-chart]");
        var title = chart.Locator("[data-test=x-axis-title]");
        await Assertions.Expect(title).ToHaveTextAsync("environment steps");
        var plot = (await chart.Locator("svg").First.BoundingBoxAsync())!;
        var titleBox = (await title.BoundingBoxAsync())!;
        Assert.True(titleBox.Y >= plot.Y + plot.Height - 1, $"x-axis title at y={titleBox.Y}, plot from {plot.Y} to {plot.Y + plot.Height}");
        // Drawn once, under the plot: not also inside the chart's SVG.
        Assert.DoesNotContain("environment steps", await chart.Locator("svg").First.TextContentAsync() ?? "");

        // The steps/s scale is set by the steady rate (about 1,000/s), not the warm-up's 60,000/s, and the chart says so.
        await Assertions.Expect(page.Locator("[data-test=sps-warm-up]")).ToContainTextAsync("first 2 points");
        var yStep = double.Parse((await page.Locator("[data-test=sps-chart]").GetAttributeAsync("data-y-step"))!, CultureInfo.InvariantCulture);
        Assert.True(yStep <= 100, $"y tick spacing {yStep}");
    }

    [BrowserFact]
    public async Task TheRunsTableKeepsAFinishedRunsStepsPerSecondAfterAReload()
    {
        var user = await fx.CreateUserAsync("team-run-sps", "sps@run.detail", "an sps team password");
        var run = await SeedAsync(user.TeamId, RunKind.Train, 3_000, 0.5,
            [("steps_per_second", 1_000, 900), ("steps_per_second", 2_000, 1_100), ("steps_per_second", 3_000, 1_234)]);
        var page = await OpenAsync(user, "/runs");
        var cell = page.Locator("tr", new() { Has = page.Locator($"a[href='/runs/{run.Id}']") }).Locator("[data-test=steps-per-second]");
        await Assertions.Expect(cell).ToHaveTextAsync(1_234.ToString("N0", CultureInfo.CurrentCulture));
        await page.ReloadAsync();
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(cell).ToHaveTextAsync(1_234.ToString("N0", CultureInfo.CurrentCulture));
    }
}
