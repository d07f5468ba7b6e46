using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Data.Runs;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Issue #19's "Done when": a new user's first hour replayed in one browser session against the real API, a real
/// worker and PostgreSQL. Sign in; submit a Catch run with nothing but the environment and rule (the form's suggested
/// budget) and watch it learn; a second rule on the same game; a MinAtar run; compare the two rules; see both
/// leaderboards filled; download a checkpoint under a name that says what it is; create an API key and revoke it after
/// a confirmation. The new team starts empty, so everything the pages show comes from this hour.
/// </summary>
public class FirstHourReplayWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    /// <summary>A Catch score that only a learning agent reaches: random play scores −0.75 on Catch 8×8 (2/8 − 1).</summary>
    private const double Learned = 0.5;

    [BrowserFact]
    public async Task ANewUsersFirstHourFromSignInToLeaderboardsAndKeys()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        var user = await fx.CreateUserAsync("team-first-hour-replay", "new@first.hour", "a new user's password");
        using var client = fx.Client(user.ApiKey);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);

        // 1. The first run: PPO on Catch 8×8 with the suggested budget and every default.
        var ppo = await SubmitFromTheFormAsync(page, "catch/8x8", "ppo");
        await Assertions.Expect(page.Locator("[data-test=live]")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        // 2. A second rule on the same game, and a MinAtar run for the Atari suite's leaderboard.
        var actorCritic = await SubmitFromTheFormAsync(page, "catch/8x8", "actor-critic");
        // The MinAtar leaderboard needs a score, not a learned one: a short budget, typed over the suggested one.
        var minatar = await SubmitFromTheFormAsync(page, "minatar/breakout", "ppo", steps: 10_000);

        // Watch the first one: its page follows it live to the end (no reload) and shows a score that learned.
        await page.GotoAsync($"/runs/{ppo}");
        await WebFixture.WaitForCircuitAsync(page);
        await page.EvaluateAsync("() => window.__noReload = 1");
        using var worker = fx.StartWorker("w-first-hour");
        foreach (var id in new[] { ppo, actorCritic, minatar })
        {
            var run = await fx.WaitForRunAsync(id, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(10), worker);
            Assert.True(run.Status == RunStatus.Succeeded, $"{run.EnvironmentId} {run.Rule}: {run.Error}\n{worker.Log}");
        }
        await Assertions.Expect(page.Locator("[data-test=status]").First).ToHaveAttributeAsync("data-status", "succeeded", new() { Timeout = 30_000 });
        Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__noReload"));
        foreach (var id in new[] { ppo, actorCritic })
        {
            var finalScore = (await WorkerFixture.GetJsonAsync(client, $"/api/runs/{id}")).GetProperty("finalScore").GetDouble();
            Assert.True(finalScore >= Learned, $"run {id} ended at {finalScore} on Catch 8×8 from the form's defaults (random play: −0.75)");
        }
        await Assertions.Expect(page.Locator("[data-test=run-final-score]")).ToContainTextAsync("evaluation episodes");
        await Assertions.Expect(page.Locator("[data-test=return-chart]")).ToBeVisibleAsync();

        // 3. Download its checkpoint: the file is named for what it holds, not by an id.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-test=download-checkpoint]").First.ClickAsync());
        Assert.StartsWith("agent_catch-8x8_ppo_", download.SuggestedFilename);
        Assert.DoesNotContain(ppo.ToString(), download.SuggestedFilename);

        // 4. Compare the two rules: pick both in the runs table, then group by rule.
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        foreach (var id in new[] { ppo, actorCritic })
            await page.Locator($"[data-test=select-run][data-id='{id}'] input").CheckAsync();
        await page.ClickAsync("[data-test=compare-selected]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/compare\\?ids="));
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=compare-run]")).ToHaveCountAsync(2);
        await page.Locator("[data-test=group-by-rule] input").ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=group-row][data-group=ppo]")).ToHaveAttributeAsync("data-runs", "1");
        await Assertions.Expect(page.Locator("[data-test=group-row][data-group=actor-critic]")).ToHaveAttributeAsync("data-runs", "1");

        // 5. Both leaderboards have rows: Catch (random play → 0, every ball caught → 1) and MinAtar (normalised by the
        // team's own PPO runs at the same budget), each with an interquartile mean.
        await page.GotoAsync("/leaderboards?suite=catch");
        await WebFixture.WaitForCircuitAsync(page);
        foreach (var rule in new[] { "ppo", "actor-critic" })
            await Assertions.Expect(page.Locator($"[data-test=aggregate-row][data-rule={rule}]")).ToBeVisibleAsync();
        await page.GotoAsync("/leaderboards?suite=minatar");
        await WebFixture.WaitForCircuitAsync(page);
        var minatarRow = page.Locator("[data-test=board-minatar] [data-test=aggregate-row][data-rule=ppo]");
        await Assertions.Expect(minatarRow).ToBeVisibleAsync();
        await Assertions.Expect(minatarRow).ToContainTextAsync("1.000");
        await Assertions.Expect(page.Locator($"[data-test=board-minatar] [data-test=cell][data-env='minatar/breakout'] a[href='/runs/{minatar}']")).ToBeVisibleAsync();

        // 6. An API key for scripts, created with one click, revoked only after saying what it breaks.
        await page.GotoAsync("/settings");
        await WebFixture.WaitForCircuitAsync(page);
        await page.Locator("#key-name").PressSequentiallyAsync("notebook");
        await page.ClickAsync("[data-test=create-key]");
        var key = await page.Locator("[data-test=created-key] .mono").InnerTextAsync();
        using var keyClient = fx.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await keyClient.GetAsync("/api/runs?pageSize=1")).StatusCode);
        var row = page.Locator("[data-test=key-row][data-name='notebook']");
        var dialog = page.Locator(".mud-dialog");
        await row.Locator("[data-test=revoke-key]").ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("Revoke the key 'notebook'?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();
        await Assertions.Expect(row.Locator("[data-test=key-state]")).ToHaveTextAsync("revoked");
    }

    /// <summary>
    /// The submit form with only an environment and a rule: the suggested budget stays (unless <paramref name="steps"/> is
    /// typed over it), one seed; returns the run's id.
    /// </summary>
    private static async Task<Guid> SubmitFromTheFormAsync(IPage page, string env, string rule, long? steps = null)
    {
        await page.GotoAsync($"/submit?env={env}");
        await WebFixture.WaitForCircuitAsync(page);
        await WebFixture.ChooseAsync(page, "rule-select", rule);
        var suite = env.Split('/')[0];
        await Assertions.Expect(page.Locator("#steps")).ToHaveValueAsync(TrainOptions.Steps.LongDefaultFor(suite, rule).ToString());
        await Assertions.Expect(page.Locator("[data-test=steps-estimate]")).ToBeVisibleAsync();
        if (steps is { } typed) await page.FillAsync("#steps", typed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-test=submit-button]")).ToContainTextAsync("Submit 1 run(s)");
        return await WebFixture.SubmitAndOpenRunAsync(page);
    }
}
