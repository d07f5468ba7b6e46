using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Tests.Jobs;
using Platform.Tests.UpdateRules;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Browser tests of Platform.Web against the real platform (API, PostgreSQL, worker processes), in Debian's chromium.
/// Each test leaves screenshots of the pages it visits in artifacts/screenshots/.
/// </summary>
public class WebUiTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task TheWebAppSendsTheSecurityHeaders()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fx.WebAddress };
        var response = await http.GetAsync("/signin");
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [BrowserFact]
    public async Task TheProcGenLeaderboardAndTheRunPageShowTrainAndTestLevelReturns()
    {
        // A team of its own with two finished ProcGen runs (their final policies on training and on unseen test levels).
        var user = await fx.CreateUserAsync("team-procgen-web", "procgen@web.test", "a procgen team password");
        Guid first;
        await using (var db = fx.Db())
        {
            Run Finished(long seed, double train, double test) => new()
            {
                Id = Guid.CreateVersion7(), TeamId = user.TeamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
                Spec = "{}", EnvironmentId = "procgen/maze", Rule = "ppo", Seed = seed, TotalSteps = 2000, CurrentStep = 2000, FinalScore = train,
                FinalScoreEpisodes = 100, FinalReturnTrainLevels = train, FinalReturnTestLevels = test, CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
            };
            var runs = new[] { Finished(0, 8.0, 6.0), Finished(1, 9.0, 4.0) };
            db.Runs.AddRange(runs);
            await db.SaveChangesAsync();
            first = runs[0].Id;
        }
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/leaderboards?suite=procgen");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=score-basis]")).ToContainTextAsync("unseen test levels");
        await Assertions.Expect(page.Locator("[data-test=cell][data-env='procgen/maze'][data-rule=ppo] [data-test=cell-levels]"))
            .ToContainTextAsync("train 8.5 · test 5 · gap 3.5");
        await WebFixture.ScreenshotAsync(page, "leaderboards-procgen");

        await page.GotoAsync($"/runs/{first}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=run-generalisation]")).ToContainTextAsync("8 / 6 (2)");
        await Assertions.Expect(page.Locator("[data-test=run-final-score]")).ToContainTextAsync("8 (100 evaluation episodes)");
    }

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

        // The session's key may manage keys (admin scope) and lives as long as the web session, not the default 90 days.
        var keys = await client.GetFromJsonAsync<JsonElement>("/api/auth/keys");
        var session = keys.EnumerateArray().Single(k => key.StartsWith(k.GetProperty("prefix").GetString()!, StringComparison.Ordinal));
        Assert.Equal("admin", session.GetProperty("scope").GetString());
        var expires = DateTimeOffset.UtcNow.AddHours(12); // Platform.Web's WebSignIn.SessionHours
        Assert.InRange(session.GetProperty("expiresAt").GetDateTimeOffset(), expires.AddMinutes(-10), expires.AddMinutes(1));

        // A sign-out posted without the form's antiforgery token (another site's form) is refused and changes nothing.
        var forged = await page.APIRequest.PostAsync("/signout", new() { Form = page.APIRequest.CreateFormData().Set("x", "1"), MaxRedirects = 0 });
        Assert.Equal(400, forged.Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);

        // The page's own sign-out revokes the session's key.
        await page.ClickAsync("[data-test=sign-out]");
        await page.WaitForURLAsync(new Regex("/signin"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("/api/auth/me")).StatusCode);
    }

    [BrowserFact]
    public async Task InvalidFormShowsMessagesBesideTheFieldsSubmitsNothingAndForgetsThemForAnotherKind()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var before = await WebFixture.CountTeamRunsAsync(client);
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
        await Assertions.Expect(page.Locator("[data-test=error-steps]")).ToContainTextAsync($"Must be {Platform.Data.Runs.TrainOptions.Steps.RangeDescription}");
        await Assertions.Expect(page.Locator("[data-test='error-seed']")).ToContainTextAsync("'two' is not a seed");
        await Assertions.Expect(page.Locator("[data-test='error-hyperparameters.lr']")).ToContainTextAsync("Must be a number");
        await Assertions.Expect(page.Locator("[data-test=error-tags]")).ToContainTextAsync("bad tag!");
        await WebFixture.ScreenshotAsync(page, "submit-invalid");

        // Issue #19, item 9: the Train form's messages do not follow the user to Evaluate (whose environment is optional),
        // nor come back with Train; what was typed stays.
        await page.GetByText("Evaluate", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#episodes")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".field-error")).ToHaveCountAsync(0);
        await page.GetByText("Train", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#steps")).ToHaveValueAsync("-5");
        await Assertions.Expect(page.Locator(".field-error")).ToHaveCountAsync(0);

        await page.WaitForTimeoutAsync(500);
        Assert.Equal(before, await WebFixture.CountTeamRunsAsync(client));
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
        // Cancelling asks first (issue #19, item 7); keeping the run changes nothing.
        var dialog = page.Locator(".mud-dialog");
        await page.ClickAsync("[data-test=cancel-run]");
        await Assertions.Expect(dialog).ToContainTextAsync("Cancel this run?");
        await Assertions.Expect(dialog).ToContainTextAsync("It will not start.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=status]").First).ToHaveAttributeAsync("data-status", "queued");
        Assert.Equal("queued", (await client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString());
        await page.ClickAsync("[data-test=cancel-run]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
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
        await WebFixture.ChooseAsync(page, "rule-select", "actor-critic");
        // The form takes the defaults for this environment and rule from the option table: the suggested budget fills the
        // steps field, with a time estimate; the placeholders show this rule's Catch defaults with their sources.
        var suggestedSteps = Platform.Data.Runs.TrainOptions.Steps.LongDefaultFor("catch", "actor-critic");
        await Assertions.Expect(page.Locator("[data-test=steps-suggestion]")).ToContainTextAsync($"Suggested for actor-critic on catch/5x5: {suggestedSteps}");
        await Assertions.Expect(page.Locator("#steps")).ToHaveValueAsync(suggestedSteps.ToString());
        await Assertions.Expect(page.Locator("[data-test=steps-estimate]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#hp-lr")).ToHaveAttributeAsync("placeholder",
            Platform.Data.Runs.TrainOptions.LearningRate.DefaultDescriptionFor("catch", "actor-critic"));
        await WebFixture.ChooseAsync(page, "hp-net", "small");
        await page.FillAsync("#steps", "3000");
        await page.FillAsync("#seeds", "3");
        await page.FillAsync("#hp-checkpoint-every", "1000");
        await page.FillAsync("#hp-log-every", "2");
        await page.FillAsync("#tags", "e2e");
        await WebFixture.ScreenshotAsync(page, "submit");
        await Assertions.Expect(page.Locator("[data-test=submit-button]")).ToContainTextAsync("Submit 1 run(s)");
        var runId = await WebFixture.SubmitAndOpenRunAsync(page);
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

        // Where and how it was computed (provenance, recorded by the worker), without a reload either.
        await Assertions.Expect(page.Locator("[data-test=provenance-worker]")).ToContainTextAsync("w-web-e2e", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-test=provenance-git_commit]")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("[0-9a-f]{40}"));
        await Assertions.Expect(page.Locator("[data-test=provenance-config]")).ToContainTextAsync("\"learning_rate\"");

        // The replay of the final policy, recorded by the worker, plays on the page (a GIF the browser decoded).
        var gif = page.Locator("[data-test=replay-gif]");
        await Assertions.Expect(gif).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True(await gif.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "The replay GIF did not decode.");
        Assert.StartsWith("data:image/gif;base64,", await gif.GetAttributeAsync("src"));

        // The return chart's y axis fits the returns (Catch: within [-1, 1]), not a fixed ±20 grid.
        var yLabels = await page.Locator("[data-test=return-chart] svg .mud-charts-yaxis text").AllTextContentsAsync();
        var ys = yLabels.Select(t => double.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(ys.Count >= 2, "y axis labels: " + string.Join(", ", yLabels));
        Assert.True(ys.Max() - ys.Min() <= 2.5, "y axis spans " + string.Join(", ", yLabels));
        Assert.InRange(ys.Min(), -1.5, 1); Assert.InRange(ys.Max(), -1, 1.5);
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

        // Re-run from the run page: the same spec and seed, on the same worker. The learner is deterministic, so once the
        // re-run has finished its page says every metric point matches the original's bit for bit (issue #16).
        await page.GotoAsync($"/runs/{runId}");
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=rerun]");
        await page.WaitForURLAsync(url => url.Contains("/runs/", StringComparison.Ordinal) && !url.Contains(runId.ToString(), StringComparison.Ordinal),
            new() { Timeout = 30_000 });
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=rerun-original]")).ToHaveAttributeAsync("href", $"/runs/{runId}");
        var comparison = page.Locator("[data-test=rerun-comparison]");
        try
        {
            await Assertions.Expect(comparison).ToHaveAttributeAsync("data-outcome", "identical", new() { Timeout = 300_000 });
        }
        catch (PlaywrightException ex)
        {
            throw new Xunit.Sdk.XunitException($"{await comparison.TextContentAsync()}\n{ex.Message}\n--- worker log ---\n{worker.Log}");
        }
        await Assertions.Expect(comparison).ToContainTextAsync("Same kind of machine: yes");
        await Assertions.Expect(page.Locator("[data-test=provenance-git_commit]")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("[0-9a-f]{40}"));
        await WebFixture.ScreenshotAsync(page, "rerun-identical");

        // Clone and edit: the submit form starts from the run's spec.
        await page.ClickAsync("[data-test=clone-run]");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=cloned-from]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#steps")).ToHaveValueAsync("3000");
        await Assertions.Expect(page.Locator("#seeds")).ToHaveValueAsync("3");
        await Assertions.Expect(page.Locator("#hp-log-every")).ToHaveValueAsync("2");
        await Assertions.Expect(page.Locator("#hp-checkpoint-every")).ToHaveValueAsync("1000");
        await Assertions.Expect(page.Locator("[data-test=submit-button]")).ToContainTextAsync("Submit 1 run(s)");
        await WebFixture.ScreenshotAsync(page, "submit-cloned");
    }

    [BrowserFact]
    public async Task UploadingAMetaNetworkListsItAndACorruptFileIsRefusedWithAReason()
    {
        var user = await fx.CreateUserAsync("team-upload", "upload@team.test", "an upload team password");
        using var client = fx.Client(user.ApiKey);
        async Task<List<JsonElement>> MetaNetworksAsync() =>
            (await client.GetFromJsonAsync<JsonElement>("/api/checkpoints?kind=meta-network")).EnumerateArray().ToList();
        var before = (await MetaNetworksAsync()).Count;

        var dir = Directory.CreateTempSubdirectory("upload-e2e-").FullName;
        try
        {
            // A truncated copy of the released file: not a readable .npz.
            var released = await File.ReadAllBytesAsync(TestPaths.Disco103Weights);
            var corrupt = Path.Combine(dir, "truncated.npz");
            await File.WriteAllBytesAsync(corrupt, released[..(released.Length / 3)]);
            // A valid meta-network the team has not got yet (the released file itself is every team's already).
            var validBytes = Platform.Tests.Checkpoints.CheckpointTestFiles.UniqueMetaNetwork();
            var valid = Path.Combine(dir, "disco103-copy.npz");
            await File.WriteAllBytesAsync(valid, validBytes);

            var page = await fx.NewPageAsync();
            await fx.SignInAsync(page, user.Email, user.Password);
            await page.GotoAsync("/checkpoints");
            await WebFixture.WaitForCircuitAsync(page);

            await page.FillAsync("#upload-name", "broken rule");
            await page.SetInputFilesAsync("input[type=file]", corrupt);
            await Assertions.Expect(page.Locator("[data-test=upload-submit]")).ToBeEnabledAsync();
            await page.ClickAsync("[data-test=upload-submit]");
            var error = page.Locator("[data-test=upload-error]");
            await Assertions.Expect(error).ToContainTextAsync("truncated.npz was not uploaded.");
            await Assertions.Expect(error).ToContainTextAsync("Not a readable .npz file");
            await WebFixture.ScreenshotAsync(page, "checkpoint-upload-corrupt");
            Assert.Equal(before, (await MetaNetworksAsync()).Count);
            await Assertions.Expect(page.Locator("[data-test=checkpoint-name]", new() { HasTextString = "broken rule" })).ToHaveCountAsync(0);

            await page.FillAsync("#upload-name", "Disco103 copy (e2e)");
            await page.SetInputFilesAsync("input[type=file]", valid);
            await Assertions.Expect(error).ToHaveCountAsync(0);
            await page.ClickAsync("[data-test=upload-submit]");
            await Assertions.Expect(page.Locator("[data-test=checkpoint-name]", new() { HasTextString = "Disco103 copy (e2e)" })).ToBeVisibleAsync();
            await Assertions.Expect(error).ToHaveCountAsync(0);
            await WebFixture.ScreenshotAsync(page, "checkpoint-upload");

            var listed = await MetaNetworksAsync();
            Assert.Equal(before + 1, listed.Count);
            var uploaded = Assert.Single(listed, c => c.GetProperty("name").GetString() == "Disco103 copy (e2e)");
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(validBytes)), uploaded.GetProperty("sha256").GetString());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [BrowserFact]
    public async Task RunsTableFiltersAndPagesAndFollowsNewRunsLive()
    {
        // A team of its own: 21 Catch runs tagged bulk and 2 MinAtar runs tagged probe, all queued on the gpu
        // queue (no gpu worker here), so the table has two pages of 20.
        var user = await fx.CreateUserAsync("team-filters", "filters@team.test", "a filter team password");
        using var client = fx.Client(user.ApiKey);
        for (var i = 0; i < 21; i++)
            await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "ppo", steps = 1000, seed = i, queue = "gpu", tags = new[] { "bulk" } });
        var probes = new List<Guid>();
        for (var i = 0; i < 2; i++)
            probes.Add(await WorkerFixture.SubmitAsync(client, new { env = "minatar/breakout", rule = "actor-critic", steps = 1000, seed = i, queue = "gpu", tags = new[] { "probe" } }));

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        var total = page.Locator("[data-test=runs-total]");
        var rows = page.Locator("[data-test=run-link]");
        await Assertions.Expect(total).ToHaveTextAsync("23 run(s)");
        await Assertions.Expect(rows).ToHaveCountAsync(20);

        // Page 2 holds the oldest three.
        await page.Locator("[data-test=runs-pages] button").Filter(new() { HasTextRegex = new Regex("^2$") }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3);

        // Filter by tag: back to page 1, only the probes, no paging.
        await page.FillAsync("#filter-tag", "probe");
        await Assertions.Expect(total).ToHaveTextAsync("2 run(s)");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=runs-pages]")).ToHaveCountAsync(0);
        foreach (var id in probes) await Assertions.Expect(page.Locator($"a[href='/runs/{id}']")).ToBeVisibleAsync();

        // Live: a new matching run appears, a non-matching one does not.
        var third = await WorkerFixture.SubmitAsync(client, new { env = "minatar/breakout", rule = "actor-critic", steps = 1000, seed = 7, queue = "gpu", tags = new[] { "probe" } });
        await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "ppo", steps = 1000, seed = 99, queue = "gpu", tags = new[] { "bulk" } });
        await Assertions.Expect(total).ToHaveTextAsync("3 run(s)", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator($"a[href='/runs/{third}']")).ToBeVisibleAsync();

        // Add a status filter: the one cancelled probe.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.PostAsync($"/api/runs/{probes[0]}/cancel", null)).StatusCode);
        await WebFixture.ChooseAsync(page, "filter-status", "cancelled");
        await Assertions.Expect(total).ToHaveTextAsync("1 run(s)");
        await Assertions.Expect(page.Locator($"a[href='/runs/{probes[0]}']")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "runs-filtered");

        // Environment, status and rule filters without the tag: the two queued MinAtar runs, none of them ppo.
        await page.FillAsync("#filter-tag", "");
        await WebFixture.ChooseAsync(page, "filter-status", "queued");
        await WebFixture.ChooseAsync(page, "filter-env", "minatar/breakout");
        await Assertions.Expect(total).ToHaveTextAsync("2 run(s)");
        await WebFixture.ChooseAsync(page, "filter-rule", "ppo");
        await Assertions.Expect(page.Locator("[data-test=empty-state]")).ToContainTextAsync("No runs match these filters");
    }
}
