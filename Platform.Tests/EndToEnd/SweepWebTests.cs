using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>A small sweep through the real API, queue, worker and browser (issue #16): its page follows the runs live and
/// plots the final score against the swept value.</summary>
public class SweepWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task ASmallSweepRunsAndItsPagePlotsTheFinalScoreAgainstTheSweptValue()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        var user = await fx.CreateUserAsync("team-sweep-web", "sweep@web.test", "a sweep team password");
        using var client = fx.Client(user.ApiKey);
        var created = await HttpAssertions.ReadJsonAsync(await client.PostAsJsonAsync("/api/sweeps", new
        {
            name = "catch lr", method = "grid", seeds = new[] { 1 },
            @base = new { env = "catch/5x5", rule = "actor-critic", steps = 600, hyperparameters = new Dictionary<string, object> { ["net"] = "small", ["log-every"] = 2 } },
            parameters = new Dictionary<string, object> { ["lr"] = new[] { 1e-3, 1e-2 } },
        }), HttpStatusCode.Created);
        var sweepId = created.GetProperty("id").GetGuid();
        var runIds = created.GetProperty("runIds").EnumerateArray().Select(r => r.GetGuid()).ToList();

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/sweeps");
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync($"a[href='/sweeps/{sweepId}']");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=sweep-name]")).ToHaveTextAsync("catch lr");
        await Assertions.Expect(page.Locator("[data-test=sweep-count-queued]")).ToContainTextAsync("2");

        // The worker runs both; the page follows without a reload.
        using var worker = fx.StartWorker("w-sweep-web");
        foreach (var runId in runIds)
        {
            var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(4), worker);
            Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        }
        await Assertions.Expect(page.Locator("[data-test=sweep-count-succeeded]")).ToContainTextAsync("2", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-test=sweep-parameter-lr] [data-test=sweep-plot]")).ToHaveAttributeAsync("data-points", "2");
        await Assertions.Expect(page.Locator("[data-test=sweep-best]")).ToContainTextAsync("lr=");
        await WebFixture.ScreenshotAsync(page, "sweep");
    }
}
