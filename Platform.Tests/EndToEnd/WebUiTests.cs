using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Browser tests of Platform.Web against the real platform (API, PostgreSQL, worker processes), in Debian's chromium.
/// Each test leaves screenshots of the pages it visits in artifacts/screenshots/.
/// </summary>
public class WebUiTests(WebFixture fx) : IClassFixture<WebFixture>
{
    private static async Task<int> CountRunsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/runs?pageSize=1")).GetProperty("total").GetInt32();

    [BrowserFact]
    public async Task SignInShowsTheEmptyRunsTableAndTheApiKeyOnSettings()
    {
        // A team of its own, so its runs table is empty whatever the other tests submit.
        var user = await fx.CreateUserAsync("team-empty", "empty@team.test", "an empty team password");
        var page = await fx.NewPageAsync();

        // Unauthenticated: any page sends to the sign-in page.
        await page.GotoAsync("/runs");
        await page.WaitForURLAsync(new Regex("/signin"));
        await page.FillAsync("#email", user.Email);
        await page.FillAsync("#password", "wrong password");
        await page.ClickAsync("[data-test=signin-submit]");
        await Assertions.Expect(page.Locator("[data-test=signin-error]")).ToContainTextAsync("Wrong email or password");
        await WebFixture.ScreenshotAsync(page, "signin");

        await fx.SignInAsync(page, user.Email, user.Password);
        await Assertions.Expect(page.Locator("[data-test=empty-state]")).ToContainTextAsync("No runs yet");
        await WebFixture.ScreenshotAsync(page, "runs-empty");

        await page.GotoAsync("/settings");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=me-email]")).ToContainTextAsync(user.Email);
        await page.ClickAsync("[data-test=reveal-key]");
        await Assertions.Expect(page.Locator("#api-key")).Not.ToHaveValueAsync(new Regex("•"));
        var key = await page.InputValueAsync("#api-key");
        // The shown key is a working API key of this user.
        using var client = fx.Client(key);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal(user.Email, me.GetProperty("email").GetString());
        await WebFixture.ScreenshotAsync(page, "settings");
    }

    [BrowserFact]
    public async Task InvalidFormShowsMessagesBesideTheFieldsAndSubmitsNothing()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var before = await CountRunsAsync(client);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);
        await page.GotoAsync("/submit");
        await WebFixture.WaitForCircuitAsync(page);

        await page.FillAsync("#steps", "-5");
        await page.FillAsync("#seeds", "1, two");
        await page.FillAsync("#hp-lr", "fast");
        await page.FillAsync("#tags", "ok, bad tag!");
        await page.ClickAsync("[data-test=submit-button]");

        await Assertions.Expect(page.Locator("[data-test=error-env]")).ToContainTextAsync("Choose at least one environment");
        await Assertions.Expect(page.Locator("[data-test=error-steps]")).ToContainTextAsync("must be positive");
        await Assertions.Expect(page.Locator("[data-test='error-seed']")).ToContainTextAsync("'two' is not a seed");
        await Assertions.Expect(page.Locator("[data-test='error-hyperparameters.lr']")).ToContainTextAsync("Must be a number");
        await Assertions.Expect(page.Locator("[data-test=error-tags]")).ToContainTextAsync("bad tag!");
        await WebFixture.ScreenshotAsync(page, "submit-invalid");

        await page.WaitForTimeoutAsync(500);
        Assert.Equal(before, await CountRunsAsync(client));
        Assert.Contains("/submit", page.Url);
    }

    [BrowserFact]
    public async Task CancellingAQueuedRunFromItsPage()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        // The gpu queue has no worker in this test: the run stays queued until cancelled.
        var runId = await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "ppo", steps = 5000, seed = 11, queue = "gpu", tags = new[] { "cancel-me" } });
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);

        // The queued run is in the table (filtered by its tag).
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"a[href='/runs/{runId}']")).ToBeVisibleAsync();

        await page.GotoAsync($"/runs/{runId}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=status]").First).ToHaveAttributeAsync("data-status", "queued");
        await page.ClickAsync("[data-test=cancel-run]");
        await Assertions.Expect(page.Locator("[data-test=status]").First).ToHaveAttributeAsync("data-status", "cancelled");
        await WebFixture.ScreenshotAsync(page, "run-cancelled");

        var run = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal("cancelled", run.GetProperty("status").GetString());

        // An unknown run shows the designed not-found state.
        await page.GotoAsync($"/runs/{Guid.NewGuid()}");
        await Assertions.Expect(page.Locator("[data-test=error-state]")).ToContainTextAsync("Run not found");
    }

    [BrowserFact]
    public async Task CatchRunFromSubmitToLiveCurveToCheckpointToLeaderboard()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        using var client = fx.Client(fx.TeamA.ApiKey);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);

        // Submit a Catch run through the form.
        await page.GotoAsync("/submit?env=catch/5x5");
        await WebFixture.WaitForCircuitAsync(page);
        await SelectAsync(page, "rule-select", "actor-critic");
        await SelectAsync(page, "hp-net", "small");
        await page.FillAsync("#steps", "3000");
        await page.FillAsync("#seeds", "3");
        await page.FillAsync("#hp-checkpoint-every", "1000");
        await page.FillAsync("#hp-log-every", "2");
        await page.FillAsync("#tags", "e2e");
        await WebFixture.ScreenshotAsync(page, "submit");
        await page.ClickAsync("[data-test=submit-button]");
        await page.WaitForURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        var runId = Guid.Parse(page.Url[^36..]);
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=live]")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        var spec = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal("actor-critic", spec.GetProperty("rule").GetString());
        Assert.Equal(3000, spec.GetProperty("totalSteps").GetInt64());
        Assert.Equal("small", spec.GetProperty("spec").GetProperty("hyperparameters").GetProperty("net").GetString());

        // No reload from here on: a marker on window survives only if the page is never reloaded.
        await page.EvaluateAsync("() => window.__noReload = 42");
        using var worker = fx.StartWorker("w-web-e2e");

        // The curve appears and grows live.
        var chart = page.Locator("[data-test=return-chart]");
        await chart.WaitForAsync(new LocatorWaitForOptions { Timeout = 120_000 });
        var first = int.Parse((await chart.GetAttributeAsync("data-points"))!);
        await WebFixture.ScreenshotAsync(page, "run-live");
        await page.WaitForFunctionAsync(
            $"() => {{ const c = document.querySelector('[data-test=return-chart]'); return c && +c.dataset.points > {first}; }}",
            null, new PageWaitForFunctionOptions { Timeout = 120_000 });

        // It completes, still without a reload.
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(5), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        try
        {
            await Assertions.Expect(page.Locator("[data-test=status]").First).ToHaveAttributeAsync("data-status", "succeeded",
                new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 });
        }
        catch (PlaywrightException ex)
        {
            throw new Xunit.Sdk.XunitException($"The page did not show the finished run.\n{ex.Message}\n--- web log ---\n{fx.WebLog}");
        }
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__noReload"));
        await Assertions.Expect(page.Locator("[data-test=download-checkpoint]").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await WebFixture.ScreenshotAsync(page, "run-detail");

        // Download its checkpoint through the browser; the bytes match the recorded SHA-256.
        var checkpoints = await client.GetFromJsonAsync<JsonElement>($"/api/checkpoints?runId={runId}");
        var expectedSha = checkpoints.EnumerateArray().First().GetProperty("sha256").GetString();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-test=download-checkpoint]").First.ClickAsync());
        var path = await download.PathAsync();
        Assert.Equal(expectedSha, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));

        // The runs table shows it succeeded.
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"a[href='/runs/{runId}']")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "runs");

        // On the Catch leaderboard, with a link to the run behind its cell.
        await page.GotoAsync("/leaderboards?suite=catch");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=aggregate-row][data-rule=actor-critic]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"[data-test=cell][data-env='catch/5x5'][data-rule=actor-critic] a[href='/runs/{runId}']")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "leaderboards");

        // Compare and checkpoints pages render it.
        await page.GotoAsync($"/compare?ids={runId}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=compare-chart]")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "compare");
        await page.GotoAsync("/checkpoints");
        await WebFixture.WaitForCircuitAsync(page);
        await WebFixture.ScreenshotAsync(page, "checkpoints");
    }

    /// <summary>Opens a MudSelect (by its data-test) and picks the item with the given text.</summary>
    private static async Task SelectAsync(IPage page, string testId, string text)
    {
        await page.Locator($"[data-test={testId}]").ClickAsync();
        var item = page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex("^" + Regex.Escape(text)) });
        await item.First.ClickAsync();
        await page.WaitForTimeoutAsync(200);
    }
}
