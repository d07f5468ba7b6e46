using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Tests.Api;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Issue #19 in the browser, the Compare page: runs are added (from a search of the team's own runs) and removed on the
/// page, grouped by rule with the mean and a ± one standard error band, smoothed, and a comparison across environments
/// is flagged. Every change is in the address, so a shared link shows the same. Runs and their episode returns are
/// stored directly; each test uses a team of its own.
/// </summary>
public class CompareWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    /// <summary>A finished run with an episode-return curve that zigzags between 0 and 1 plus <paramref name="offset"/>.</summary>
    private async Task<Guid> SeedRunAsync(Guid teamId, string env, string rule, long seed, double offset = 0)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = env, Rule = rule, Seed = seed, TotalSteps = 4_000, CurrentStep = 4_000, FinalScore = 0.5 + offset,
            CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
        };
        await using var db = fx.Db();
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        var points = Enumerable.Range(0, 41).Select(i => new MetricPoint
        {
            RunId = run.Id, Name = "episode_return", Step = i * 100L, Value = i % 2 + offset, WallTime = DateTimeOffset.UtcNow,
        }).ToList();
        await MetricWriter.AppendAsync(db, run.Id, points);
        return run.Id;
    }

    private static ILocator Lines(IPage page) => page.Locator("[data-test=compare-chart] svg path.mud-chart-line");

    private async Task<IPage> SignedInAsync(TestUser user)
    {
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        return page;
    }

    [BrowserFact]
    public async Task RunsAreAddedFromASearchOfTheTeamsRunsAndRemovedOnThePage()
    {
        var user = await fx.CreateUserAsync("team-compare-add", "add@compare.test", "a compare team password");
        var other = await fx.CreateUserAsync("team-compare-other", "other@compare.test", "another compare team password");
        var a = await SeedRunAsync(user.TeamId, "catch/5x5", "ppo", 1);
        var b = await SeedRunAsync(user.TeamId, "catch/5x5", "actor-critic", 7);
        var foreign = await SeedRunAsync(other.TeamId, "catch/5x5", "actor-critic", 7);
        var page = await SignedInAsync(user);
        await page.GotoAsync($"/compare?ids={a}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=compare-run]")).ToHaveCountAsync(1);

        // The search lists the team's matching runs, never another team's nor one already compared.
        await page.Locator("#run-search").PressSequentiallyAsync("actor-critic");
        var candidates = page.Locator("[data-test=candidate]");
        await Assertions.Expect(candidates).ToHaveCountAsync(1);
        await Assertions.Expect(candidates.First).ToHaveAttributeAsync("data-id", b.ToString());
        await page.Locator("#run-search").FillAsync(ShortIdOf(foreign));
        await Assertions.Expect(page.Locator("[data-test=no-candidates]")).ToBeVisibleAsync();
        await page.Locator("#run-search").FillAsync("");
        await page.Locator("#run-search").PressSequentiallyAsync("s7");
        await Assertions.Expect(candidates).ToHaveCountAsync(1);

        // Adding puts it on the chart and in the address.
        await candidates.First.ClickAsync();
        await Assertions.Expect(page.Locator($"[data-test=compare-run][data-id='{b}']")).ToBeVisibleAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(b.ToString())));
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(2);

        // Removing takes it off both; the link of what is left opens the same comparison.
        await page.Locator($"[data-test=compare-run][data-id='{a}'] [data-test=remove-run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=compare-run]")).ToHaveCountAsync(1);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(a.ToString())));
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(1);
        await page.ReloadAsync();
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"[data-test=compare-run][data-id='{b}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=compare-run]")).ToHaveCountAsync(1);
    }

    [BrowserFact]
    public async Task GroupingByRuleDrawsEachRulesMeanWithAStandardErrorBand()
    {
        var user = await fx.CreateUserAsync("team-compare-group", "group@compare.test", "a grouping team password");
        var ppo1 = await SeedRunAsync(user.TeamId, "catch/5x5", "ppo", 1);
        var ppo2 = await SeedRunAsync(user.TeamId, "catch/5x5", "ppo", 2, offset: 2);
        var ac = await SeedRunAsync(user.TeamId, "catch/5x5", "actor-critic", 1);
        var page = await SignedInAsync(user);
        await page.GotoAsync($"/compare?ids={ppo1},{ppo2},{ac}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(3); // a line per run
        await Assertions.Expect(page.Locator("[data-test=group-table]")).ToHaveCountAsync(0);

        await page.Locator("[data-test=group-by-rule] input").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("group=rule"));
        // PPO: its mean and the two lines of its band; actor-critic, one run: its line alone.
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("[data-test=group-row][data-group=ppo]")).ToHaveAttributeAsync("data-runs", "2");
        await Assertions.Expect(page.Locator("[data-test=group-row][data-group=actor-critic]")).ToHaveAttributeAsync("data-runs", "1");
        // The ppo runs' final scores are 0.5 and 2.5: their mean.
        await Assertions.Expect(page.Locator("[data-test=group-row][data-group=ppo]")).ToContainTextAsync("1.5");
        await Assertions.Expect(page.Locator(".mud-chart-legend")).ToContainTextAsync("ppo (mean of 2)");
        await WebFixture.ScreenshotAsync(page, "compare-grouped");

        // The address keeps the grouping.
        await page.ReloadAsync();
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator("[data-test=group-by-rule] input")).ToBeCheckedAsync();
    }

    [BrowserFact]
    public async Task SmoothingChangesTheDrawnCurveAndIsKeptInTheAddress()
    {
        var user = await fx.CreateUserAsync("team-compare-smooth", "smooth@compare.test", "a smoothing team password");
        var run = await SeedRunAsync(user.TeamId, "catch/5x5", "ppo", 1);
        var page = await SignedInAsync(user);
        await page.GotoAsync($"/compare?ids={run}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(1);
        var raw = await Lines(page).First.GetAttributeAsync("d");

        await page.Locator("#smoothing").FillAsync("0.9");
        await page.Locator("#smoothing").PressAsync("Tab");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("smooth=0.9"));
        await Assertions.Expect(Lines(page).First).Not.ToHaveAttributeAsync("d", raw!);
        var smoothed = await Lines(page).First.GetAttributeAsync("d");

        // The same address draws the same smoothed curve; an out-of-range weight in the address is clamped, not an error.
        await page.ReloadAsync();
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#smoothing")).ToHaveValueAsync("0.9");
        await Assertions.Expect(Lines(page).First).ToHaveAttributeAsync("d", smoothed!);
        await page.GotoAsync($"/compare?ids={run}&smooth=7");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("#smoothing")).ToHaveValueAsync("0.99");
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(1);
    }

    [BrowserFact]
    public async Task ComparingRunsOnDifferentEnvironmentsWarnsAndOffersToKeepOne()
    {
        var user = await fx.CreateUserAsync("team-compare-envs", "envs@compare.test", "an environments team password");
        var catchRun = await SeedRunAsync(user.TeamId, "catch/5x5", "ppo", 1);
        var catchRun2 = await SeedRunAsync(user.TeamId, "catch/5x5", "ppo", 2);
        var breakout = await SeedRunAsync(user.TeamId, "minatar/breakout", "ppo", 1);
        var page = await SignedInAsync(user);

        // One environment: no warning.
        await page.GotoAsync($"/compare?ids={catchRun},{catchRun2}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(Lines(page)).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=env-mix-warning]")).ToHaveCountAsync(0);

        await page.GotoAsync($"/compare?ids={catchRun},{catchRun2},{breakout}");
        await WebFixture.WaitForCircuitAsync(page);
        var warning = page.Locator("[data-test=env-mix-warning]");
        await Assertions.Expect(warning).ToContainTextAsync("2 environments (catch/5x5, minatar/breakout)");
        await Assertions.Expect(warning).ToContainTextAsync("not compare them");
        await WebFixture.ScreenshotAsync(page, "compare-env-mix");

        // Grouped, a rule's runs on different environments are not averaged together.
        await page.Locator("[data-test=group-by-rule] input").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=group-row]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=group-row][data-group='ppo · catch/5x5']")).ToHaveAttributeAsync("data-runs", "2");

        await warning.Locator("[data-test=keep-env][data-env='catch/5x5']").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=compare-run]")).ToHaveCountAsync(2);
        await Assertions.Expect(warning).ToHaveCountAsync(0);
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex(Regex.Escape(breakout.ToString())));
    }

    private static string ShortIdOf(Guid id) =>
        (string)WebAssemblyOfThisBuild.Type("Platform.Web.Services.ShortIds").GetMethod("Of")!.Invoke(null, [id])!;
}
