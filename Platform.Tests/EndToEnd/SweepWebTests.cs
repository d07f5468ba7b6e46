using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>A small sweep through the browser's form, the real API, queue, worker and browser (issue #16): its page follows
/// the runs live, plots the final score against the swept value and summarises the rule's robustness.</summary>
public class SweepWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task ASweepSubmittedFromTheFormRunsAndItsPagePlotsTheFinalScoreAgainstTheSweptValue()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        var user = await fx.CreateUserAsync("team-sweep-web", "sweep@web.test", "a sweep team password");
        using var client = fx.Client(user.ApiKey);

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/sweeps");
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=new-sweep]");
        await Assertions.Expect(page.Locator("[data-test=sweep-fields]")).ToBeVisibleAsync();
        await WebFixture.WaitForCircuitAsync(page);

        // The base run: the ordinary form.
        await WebFixture.ChooseAsync(page, "env-select", "catch/5x5");
        await WebFixture.ChooseAsync(page, "rule-select", "actor-critic");
        await WebFixture.ChooseAsync(page, "hp-net", "small");
        await page.FillAsync("#steps", "600");
        await page.FillAsync("#seeds", "1");
        await page.FillAsync("#hp-log-every", "2");

        // Nothing swept yet: the form says so and submits nothing.
        await page.FillAsync("#sweep-name", "catch lr");
        await page.ClickAsync("[data-test=submit-button]");
        await Assertions.Expect(page.Locator("[data-test=error-sweep-swept]")).ToBeVisibleAsync();

        // The learning rate over two values, checked against the option's range as it is typed.
        await WebFixture.ChooseAsync(page, "sweep-parameters", "Learning rate");
        await page.FillAsync("#sweep-values-lr", "0.001, 11");
        await page.ClickAsync("[data-test=submit-button]");
        await Assertions.Expect(page.Locator("[data-test=error-sweep-lr]")).ToContainTextAsync("'11'");
        Assert.Empty((await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/sweeps"))).EnumerateArray());
        await page.FillAsync("#sweep-values-lr", "0.001, 0.01");
        await Assertions.Expect(page.Locator("[data-test=submit-button]")).ToContainTextAsync("Submit sweep of 2 run(s)");
        await WebFixture.ScreenshotAsync(page, "sweep-form");
        await page.ClickAsync("[data-test=submit-button]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sweeps/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        var sweepId = Guid.Parse(page.Url[^36..]);
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=sweep-name]")).ToHaveTextAsync("catch lr");
        await Assertions.Expect(page.Locator("[data-test=sweep-count-queued]")).ToContainTextAsync("2");
        // Runs made together share their UUIDv7 timestamp digits: the page shows their names (issue #19).
        var shown = await page.Locator("[data-test=sweep-run-link]").AllInnerTextsAsync();
        Assert.Equal(2, shown.Distinct().Count());
        // They are named as everywhere else: what they are, then a number for the second such run.
        Assert.Equal(["catch/5x5 actor-critic s1", "catch/5x5 actor-critic s1 #2"], shown.Order());

        // Each run is the form's base with its learning rate and the seed put in.
        var sweep = await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/sweeps/{sweepId}"));
        var runIds = sweep.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(2, runIds.Count);
        var lrs = new List<double>();
        foreach (var runId in runIds)
        {
            var run = await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/runs/{runId}"));
            Assert.Equal(("actor-critic", "catch/5x5", 600L, 1L), (run.GetProperty("rule").GetString(), run.GetProperty("env").GetString(),
                run.GetProperty("totalSteps").GetInt64(), run.GetProperty("seed").GetInt64()));
            var hyper = run.GetProperty("spec").GetProperty("hyperparameters");
            Assert.Equal("small", hyper.GetProperty("net").GetString());
            lrs.Add(hyper.GetProperty("lr").GetDouble());
        }
        Assert.Equal([0.001, 0.01], lrs.Order());

        // The worker runs both; the page follows without a reload.
        await page.EvaluateAsync("() => window.__noReload = 42");
        using var worker = fx.StartWorker("w-sweep-web");
        foreach (var runId in runIds)
        {
            var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(4), worker);
            Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        }
        await Assertions.Expect(page.Locator("[data-test=sweep-count-succeeded]")).ToContainTextAsync("2", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-test=sweep-parameter-lr] [data-test=sweep-plot]")).ToHaveAttributeAsync("data-points", "2");
        await Assertions.Expect(page.Locator("[data-test=sweep-best]")).ToContainTextAsync("lr=");
        await Assertions.Expect(page.Locator("[data-test=robustness-row][data-rule=actor-critic]")).ToBeVisibleAsync();
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__noReload"));
        await WebFixture.ScreenshotAsync(page, "sweep");

        // Archiving hides the finished sweep and its runs from their lists and keeps them; unarchiving brings all back (issue #19).
        await page.ClickAsync("[data-test=archive-sweep]");
        await Assertions.Expect(page.Locator("[data-test=archived-chip]")).ToBeVisibleAsync();
        foreach (var runId in runIds)
            Assert.Equal(JsonValueKind.String, (await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/runs/{runId}"))).GetProperty("archivedAt").ValueKind);
        await page.GotoAsync("/sweeps");
        await WebFixture.WaitForCircuitAsync(page);
        var link = page.Locator($"a[href='/sweeps/{sweepId}']");
        await Assertions.Expect(page.GetByText("No sweeps yet")).ToBeVisibleAsync();
        await page.ClickAsync("[data-test=filter-archived-sweeps] input");
        await Assertions.Expect(link).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "sweeps-archived");
        await link.ClickAsync();
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=archive-sweep]");
        await Assertions.Expect(page.Locator("[data-test=archived-chip]")).ToHaveCountAsync(0);
        foreach (var runId in runIds)
            Assert.Equal(JsonValueKind.Null, (await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/runs/{runId}"))).GetProperty("archivedAt").ValueKind);

        // Deleting the sweep is one action for it and its runs, after the confirmation every deletion has (issue #19).
        var dialog = page.Locator(".mud-dialog");
        await page.ClickAsync("[data-test=delete-sweep]");
        await Assertions.Expect(dialog).ToContainTextAsync("Delete the sweep 'catch lr'?");
        await Assertions.Expect(dialog).ToContainTextAsync("Its 2 run(s) go with it");
        await Assertions.Expect(dialog.Locator("[data-test=delete-citations]")).ToContainTextAsync("catch leaderboard");
        await WebFixture.ScreenshotAsync(page, "sweep-delete");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete anyway" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sweeps$"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/sweeps/{sweepId}")).StatusCode);
        foreach (var runId in runIds) Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{runId}")).StatusCode);
    }
}
