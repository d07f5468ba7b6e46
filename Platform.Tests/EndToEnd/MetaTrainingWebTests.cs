using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.Data.Entities;

namespace Platform.Tests.EndToEnd;

/// <summary>The meta-train submit form and "Evaluate on suite" on the checkpoints page, in the browser against the real API.</summary>
public class MetaTrainingWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task MetaTrainFormValidatesThenSubmitsOneRunOverItsEnvironments()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var before = await WebFixture.CountTeamRunsAsync(client);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);
        await page.GotoAsync("/submit");
        await WebFixture.WaitForCircuitAsync(page);

        await page.GetByText("Meta-train", new() { Exact = true }).ClickAsync();
        // Pre-filled and described from the meta-train option table (GET /api/run-options).
        await Assertions.Expect(page.Locator("#meta-steps")).ToHaveValueAsync(Platform.Data.Runs.MetaTrainOptions.MetaSteps.DefaultDescription);
        await Assertions.Expect(page.Locator("#mt-agents")).ToHaveAttributeAsync("placeholder", Platform.Data.Runs.MetaTrainOptions.Agents.DefaultDescription);
        await page.FillAsync("#meta-steps", "0");
        await page.FillAsync("#mt-agents", "0");
        await page.FillAsync("#mt-inner-lr", "-1");
        await page.ClickAsync("[data-test=submit-button]");
        await Assertions.Expect(page.Locator("[data-test=error-env]")).ToContainTextAsync("Choose at least one environment");
        await Assertions.Expect(page.Locator("[data-test=error-steps]")).ToContainTextAsync($"Must be {Platform.Data.Runs.MetaTrainOptions.MetaSteps.RangeDescription}");
        await Assertions.Expect(page.Locator("[data-test='error-hyperparameters.agents']")).ToContainTextAsync($"Must be {Platform.Data.Runs.MetaTrainOptions.Agents.RangeDescription}");
        await Assertions.Expect(page.Locator("[data-test='error-hyperparameters.inner-lr']")).ToContainTextAsync("Must be greater than 0");
        await WebFixture.ScreenshotAsync(page, "submit-meta-train-invalid");
        await page.WaitForTimeoutAsync(300);
        Assert.Equal(before, await WebFixture.CountTeamRunsAsync(client));

        await WebFixture.ChooseAsync(page, "env-select", "catch/5x5", "catch/8x8");
        await page.FillAsync("#meta-steps", "7");
        await page.FillAsync("#mt-agents", "3");
        await page.FillAsync("#mt-inner-lr", "");
        await page.FillAsync("#seeds", "5");
        await WebFixture.ChooseAsync(page, "queue-select", "gpu");   // no gpu worker here: the run stays queued
        await Assertions.Expect(page.Locator("[data-test=submit-button]")).ToContainTextAsync("Submit 1 run(s)");
        var runId = await WebFixture.SubmitAndOpenRunAsync(page);
        var run = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal("meta-train", run.GetProperty("kind").GetString());
        Assert.Equal(7, run.GetProperty("totalSteps").GetInt64());
        Assert.Equal(5, run.GetProperty("seed").GetInt64());
        Assert.Equal("random", run.GetProperty("rule").GetString());
        var spec = run.GetProperty("spec");
        Assert.Equal(["catch/5x5", "catch/8x8"], spec.GetProperty("envs").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal(3, spec.GetProperty("hyperparameters").GetProperty("agents").GetInt32());
        Assert.False(spec.GetProperty("hyperparameters").TryGetProperty("inner-lr", out _));
        Assert.Equal(before + 1, await WebFixture.CountTeamRunsAsync(client));
        await client.PostAsync($"/api/runs/{runId}/cancel", null);
    }

    [BrowserFact]
    public async Task EvaluateOnSuiteFromTheCheckpointsPage()
    {
        var id = Guid.CreateVersion7();
        await using (var db = fx.Db())
        {
            db.Checkpoints.Add(new Checkpoint
            {
                Id = id, Kind = CheckpointKind.MetaNetwork, TeamId = fx.TeamA.TeamId, Name = "web rule " + id.ToString()[..8], Sha256 = new string('0', 64),
                StorageUri = "/nonexistent.npz", CreatedAt = DateTimeOffset.UtcNow, MetaTrainedOn = ["catch/5x5"],
            });
            await db.SaveChangesAsync();
        }
        using var client = fx.Client(fx.TeamA.ApiKey);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);
        await page.GotoAsync("/checkpoints");
        await WebFixture.WaitForCircuitAsync(page);

        var row = page.Locator("tr").Filter(new() { HasText = "web rule " + id.ToString()[..8] });
        await Assertions.Expect(row).ToContainTextAsync("meta-trained on catch/5x5");
        await row.Locator("[data-test=evaluate-on-suite]").ClickAsync();
        await WebFixture.ChooseAsync(page, "evaluate-suite", "Catch");
        // The budget starts at the largest the train defaults suggest for this rule on the suite's games, and the panel says
        // how many runs it starts and (where a throughput is measured) how long they take.
        var defaults = new List<JsonElement>();
        foreach (var env in new[] { "catch/5x5", "catch/8x8" })
            defaults.Add(await client.GetFromJsonAsync<JsonElement>($"/api/run-options/train/defaults?env={env}&rule=meta-network:{id}&queue=cpu"));
        var suggested = defaults.Max(d => d.GetProperty("options").EnumerateArray().First(o => o.GetProperty("name").GetString() == "steps").GetProperty("value").GetInt64());
        await Assertions.Expect(page.Locator("#evaluate-steps")).ToHaveValueAsync(suggested.ToString());
        var plan = page.Locator("[data-test=evaluate-plan]");
        await Assertions.Expect(plan).ToContainTextAsync($"6 run(s): 2 game(s) × 3 seed(s), {suggested.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} steps each.");
        await Assertions.Expect(plan).ToContainTextAsync(defaults.Any(d => d.GetProperty("throughput").ValueKind == JsonValueKind.Object)
            ? "of cpu worker time in all" : "No throughput has been measured");
        await Assertions.Expect(page.Locator("[data-test=evaluate-submit]")).ToContainTextAsync("Submit 6 run(s)");
        await page.FillAsync("#evaluate-steps", "-3");
        await page.ClickAsync("[data-test=evaluate-submit]");
        await Assertions.Expect(page.Locator("[data-test=evaluate-panel]")).ToContainTextAsync("A positive whole number of steps");
        var tag = Uri.EscapeDataString("meta-network:" + id);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>($"/api/runs?tag={tag}")).GetProperty("total").GetInt32());

        await page.FillAsync("#evaluate-steps", "500");
        await page.FillAsync("#evaluate-seeds", "4, 5");
        await Assertions.Expect(plan).ToContainTextAsync("4 run(s): 2 game(s) × 2 seed(s), 500 steps each.");
        await page.ClickAsync("[data-test=evaluate-submit]");
        await Assertions.Expect(page.Locator("[data-test=evaluate-ok]")).ToContainTextAsync("Submitted 4 run(s) on Catch"); // the suite's title, as the suite picker and leaderboards name it
        await WebFixture.ScreenshotAsync(page, "checkpoints-evaluate-on-suite");
        var runs = (await client.GetFromJsonAsync<JsonElement>($"/api/runs?tag={tag}")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.Equal(id, r.GetProperty("metaNetworkCheckpointId").GetGuid()));
        Assert.Equal(new[] { ("catch/5x5", 4L), ("catch/5x5", 5L), ("catch/8x8", 4L), ("catch/8x8", 5L) },
            runs.Select(r => (r.GetProperty("env").GetString()!, r.GetProperty("seed").GetInt64())).Order());
        foreach (var r in runs) await client.PostAsync($"/api/runs/{r.GetProperty("id").GetGuid()}/cancel", null);
    }

    [BrowserFact]
    public async Task MetaTrainRunDetailShowsMetaStepsInnerReturnAndMetaGradientNorms()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var runId = await Platform.Tests.Jobs.WorkerFixture.SubmitAsync(client, new
        {
            kind = "meta-train", envs = new[] { "catch/5x5" }, steps = 3, seed = 1,
            hyperparameters = new Dictionary<string, object> { ["agents"] = 1, ["rollout"] = 4, ["batch"] = 8, ["net"] = "small" },
        });
        using var worker = fx.StartWorker("w-meta-web");
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(6), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);
        await page.GotoAsync($"/runs/{runId}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.GetByText("Inner return (agents of the population)")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Meta-gradient and meta-update norms")).ToBeVisibleAsync();
        // One point per meta step on each chart, over meta steps.
        foreach (var chart in new[] { "return-chart", "loss-chart", "sps-chart" })
            await Assertions.Expect(page.Locator($"[data-test={chart}]")).ToHaveAttributeAsync("data-points", "3");
        await Assertions.Expect(page.Locator("[data-test=loss-chart]")).ToContainTextAsync("meta_loss");
        await Assertions.Expect(page.Locator("[data-test=sps-chart]")).ToContainTextAsync("meta steps");
        await Assertions.Expect(page.Locator("[data-test=replay-empty]")).ToContainTextAsync("no single agent to replay");
        await WebFixture.ScreenshotAsync(page, "run-meta-train");
    }
}
