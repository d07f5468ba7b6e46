using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Tests.Api;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// A transfer pipeline (issue #18, item 3) from the browser's form through the real API, queue and worker: the form refuses
/// what it can check and shows the API's refusals beside their fields, storing nothing; a tiny pipeline (the options of
/// <see cref="PipelineWorkerTests"/>) meta-trains on Catch 5×5, and its page follows it live to the result table — the selected
/// rule and PPO on Catch 5×5 (in distribution) and 8×8 (out of it), normalised scores and IQMs with their CIs, every run listed.
/// </summary>
public class PipelineWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task APipelineSubmittedFromTheFormMetaTrainsEvaluatesAndItsPageShowsTheResultTableLive()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        var user = await fx.CreateUserAsync("team-pipeline-web", "pipeline@web.test", "a pipeline team password");
        using var client = fx.Client(user.ApiKey);
        async Task AssertNothingStoredAsync()
        {
            Assert.Empty((await HttpAssertions.ReadJsonAsync(await client.GetAsync("/api/pipelines"))).EnumerateArray());
            Assert.Equal(0, await WebFixture.CountTeamRunsAsync(client));
        }

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/pipelines");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=empty-state]")).ToContainTextAsync("No pipelines yet");
        await page.ClickAsync("[data-test=new-pipeline]");
        await Assertions.Expect(page.Locator("[data-test=pipeline-form]")).ToBeVisibleAsync();
        await WebFixture.WaitForCircuitAsync(page);
        // Every named rule is a baseline until unticked, as the API's default; the run count follows the form.
        await Assertions.Expect(page.Locator("[data-test=pipeline-summary]")).ToContainTextAsync("3 baselines");

        // Meta-training: Catch 5×5, two meta-steps, the tiny options; meta-validation is suggested at a quarter of the meta-steps.
        await page.FillAsync("#pipeline-name", "catch 5x5 to 8x8");
        await WebFixture.ChooseAsync(page, "meta-env-select", "catch/5x5");
        await page.FillAsync("#meta-steps", "2");
        await Assertions.Expect(page.Locator("#mt-validate-every")).ToHaveValueAsync("1");
        await page.FillAsync("#meta-seed", "3");
        foreach (var (option, value) in new[] { ("agents", "1"), ("inner-steps", "1"), ("rollout", "4"), ("batch", "4"), ("checkpoint-every", "1"),
                     ("validation-agents", "1"), ("validation-steps", "200") })
            await page.FillAsync("#mt-" + option, value);
        await WebFixture.ChooseAsync(page, "mt-net", "small");

        // Evaluation: Catch 5×5 and 8×8 against PPO alone, the evaluation runs' tiny options; steps 0 and no seeds first.
        await WebFixture.ChooseAsync(page, "eval-env-select", "catch/5x5", "catch/8x8");
        await page.FillAsync("#eval-steps", "0");
        await page.FillAsync("#eval-seeds", "");
        await page.Locator("[data-test=baseline-disco103] input").UncheckAsync();
        await page.Locator("[data-test=baseline-actor-critic] input").UncheckAsync();
        await WebFixture.ChooseAsync(page, "ev-net", "small");
        foreach (var (option, value) in new[] { ("rollout", "8"), ("batch", "8"), ("log-every", "1") })
            await page.FillAsync("#ev-" + option, value);
        await page.ClickAsync("[data-test=submit-button]");
        await Assertions.Expect(page.Locator("[data-test='error-evaluation.steps']")).ToContainTextAsync("Must be");
        await Assertions.Expect(page.Locator("[data-test='error-evaluation.seeds']")).ToContainTextAsync("seeds");
        await AssertNothingStoredAsync();

        // validate-every 0 is in the option's range, so only the API refuses it (a pipeline needs meta-validation): its
        // message lands beside the field.
        await page.FillAsync("#eval-steps", "400");
        await page.FillAsync("#eval-seeds", "1");
        await page.FillAsync("#mt-validate-every", "0");
        await Assertions.Expect(page.Locator("[data-test=pipeline-summary]"))
            .ToHaveTextAsync("5 runs: 1 meta-train + (1 selected rule + 1 baseline) × 2 environments × 1 seed");
        await page.ClickAsync("[data-test=submit-button]");
        await Assertions.Expect(page.Locator("[data-test='error-metaTrain.hyperparameters.validate-every']")).ToContainTextAsync("meta-validation",
            new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-test='error-evaluation.steps']")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "pipeline-form-refused");
        await AssertNothingStoredAsync();

        await page.FillAsync("#mt-validate-every", "1");
        await Assertions.Expect(page.Locator("[data-test='error-metaTrain.hyperparameters.validate-every']")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-test=submit-button]");
        try { await Assertions.Expect(page).ToHaveURLAsync(new Regex("/pipelines/[0-9a-f-]{36}$"), new() { Timeout = 60_000 }); }
        catch (PlaywrightException ex)
        {
            var messages = await page.Locator("[data-test^=error-], [data-test=submit-error]").AllInnerTextsAsync();
            await WebFixture.ScreenshotAsync(page, "pipeline-submit-did-not-open");
            throw new TimeoutException($"Submitting did not open the pipeline's page ({page.Url}); the form shows: [{string.Join(" | ", messages)}]", ex);
        }
        var id = Guid.Parse(page.Url[^36..]);
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=pipeline-name]")).ToHaveTextAsync("catch 5x5 to 8x8");

        // What was submitted is exactly the tiny pipeline: the options filled in, nothing else.
        var definition = (await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/pipelines/{id}"))).GetProperty("definition");
        var metaTrain = definition.GetProperty("metaTrain");
        Assert.Equal(["catch/5x5"], metaTrain.GetProperty("envs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal((2L, 3L), (metaTrain.GetProperty("steps").GetInt64(), metaTrain.GetProperty("seed").GetInt64()));
        Assert.Equal(Options(("agents", "1"), ("inner-steps", "1"), ("rollout", "4"), ("batch", "4"), ("net", "small"), ("checkpoint-every", "1"),
            ("validate-every", "1"), ("validation-agents", "1"), ("validation-steps", "200")), Options(metaTrain.GetProperty("hyperparameters")));
        var evaluation = definition.GetProperty("evaluation");
        Assert.Equal(["catch/5x5", "catch/8x8"], evaluation.GetProperty("envs").EnumerateArray().Select(e => e.GetString()).Order());
        Assert.Equal(400, evaluation.GetProperty("steps").GetInt64());
        Assert.Equal([1L], evaluation.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal(["ppo"], evaluation.GetProperty("baselines").EnumerateArray().Select(b => b.GetString()));
        Assert.Equal(Options(("net", "small"), ("rollout", "8"), ("batch", "8"), ("log-every", "1")), Options(evaluation.GetProperty("hyperparameters")));

        // The worker runs it; the page follows without a reload until the stage is finished.
        await Assertions.Expect(page.Locator("[data-test=pipeline-stage]")).ToHaveAttributeAsync("data-stage", "meta-training");
        await Assertions.Expect(page.Locator("[data-test=pipeline-run]")).ToHaveCountAsync(3);
        await page.EvaluateAsync("() => window.__noReload = 42");
        using var worker = fx.StartWorker("w-pipeline-web");
        var started = DateTime.UtcNow;
        while (true)
        {
            var stage = await page.Locator("[data-test=pipeline-stage]").GetAttributeAsync("data-stage");
            if (stage == "finished") break;
            if (stage is "failed" or "cancelled" || DateTime.UtcNow - started > TimeSpan.FromMinutes(8))
            {
                await WebFixture.ScreenshotAsync(page, "pipeline-did-not-finish");
                Assert.Fail($"The page shows the pipeline {stage} {(DateTime.UtcNow - started).TotalSeconds:0} s after the worker started\n" +
                            $"--- page ---\n{await page.InnerTextAsync("body")}\n--- API ---\n{await client.GetStringAsync($"/api/pipelines/{id}")}\n" +
                            $"--- worker ---\n{worker.Log}");
            }
            await page.WaitForTimeoutAsync(1000);
        }
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__noReload"));

        // The result table: the selected rule and PPO, in and out of distribution, each with an IQM and its CI over both environments.
        await Assertions.Expect(page.Locator("[data-test=result-row]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=result-row][data-role=selected-rule]")).ToContainTextAsync("selected rule (meta-step");
        await Assertions.Expect(page.Locator("[data-test=result-row][data-role=baseline][data-rule=ppo]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=env-header][data-env='catch/5x5'] [data-test=env-distribution]")).ToHaveTextAsync("in distribution");
        await Assertions.Expect(page.Locator("[data-test=env-header][data-env='catch/8x8'] [data-test=env-distribution]")).ToHaveTextAsync("out of distribution");
        await Assertions.Expect(page.Locator("[data-test=cell-count]")).ToHaveTextAsync(["1 / 1 finished", "1 / 1 finished", "1 / 1 finished", "1 / 1 finished"]);
        await Assertions.Expect(page.Locator("[data-test=cell-normalised]")).ToHaveCountAsync(4);
        var number = @"-?\d+(\.\d+)?";
        foreach (var row in await page.Locator("[data-test=result-row]").AllAsync())
        {
            // One seed per environment: an IQM, and instead of a degenerate [x, x] interval the note saying why there is none.
            await Assertions.Expect(row.Locator("[data-test=iqm]")).ToHaveAttributeAsync("data-has-ci", "false");
            await Assertions.Expect(row.Locator("[data-test=iqm-value]")).ToHaveTextAsync(new Regex($@"^{number}$"));
            await Assertions.Expect(row.Locator("[data-test=iqm-note]")).ToContainTextAsync("one seed per environment");
            await Assertions.Expect(row.Locator("[data-test=iqm]")).ToContainTextAsync("over 2 environments, 2 scores");
        }
        await Assertions.Expect(page.Locator("[data-test=normalisation]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=selected-meta-step]")).ToBeVisibleAsync();

        // Five runs, all succeeded: the meta-train run, and per environment the selected rule's and PPO's.
        await Assertions.Expect(page.Locator("[data-test=pipeline-run]")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-test=pipeline-run][data-status=succeeded]")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-test=pipeline-run][data-role=selected-rule]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=pipeline-run][data-role=baseline]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-test=cancel-pipeline]")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "pipeline");

        // A run's link opens that run, one of the pipeline's.
        var result = await HttpAssertions.ReadJsonAsync(await client.GetAsync($"/api/pipelines/{id}"));
        var runIds = result.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
        await page.Locator("[data-test=pipeline-run][data-role=selected-rule] [data-test=pipeline-run-link]").First.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
        Assert.Contains(Guid.Parse(page.Url[^36..]), runIds);

        // The list names it, finished.
        await page.GotoAsync("/pipelines");
        await WebFixture.WaitForCircuitAsync(page);
        var listed = page.Locator("[data-test=pipeline-row]").Filter(new() { HasText = "catch 5x5 to 8x8" });
        await Assertions.Expect(listed.Locator("[data-test=pipeline-stage]")).ToHaveAttributeAsync("data-stage", "finished");
        await Assertions.Expect(listed).ToContainTextAsync(id.ToString("N")[^8..]);

        // Cancelling from the page asks first, then stops the pipeline: its stage, and its unfinished run.
        var other = (await HttpAssertions.ReadJsonAsync(await client.PostAsJsonAsync("/api/pipelines", new
        {
            name = "to cancel",
            metaTrain = new { envs = new[] { "catch/5x5" }, steps = 2, hyperparameters = new Dictionary<string, object> { ["validate-every"] = 1 } },
            evaluation = new { envs = new[] { "catch/8x8" }, steps = 400, seeds = new[] { 1 }, baselines = Array.Empty<string>() },
        }), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await page.GotoAsync($"/pipelines/{other}");
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=cancel-pipeline]");
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(dialog).ToContainTextAsync("Cancel this pipeline?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it running" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=pipeline-stage]")).ToHaveAttributeAsync("data-stage", "meta-training");
        await page.ClickAsync("[data-test=cancel-pipeline]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel pipeline" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=pipeline-stage]")).ToHaveAttributeAsync("data-stage", "cancelled");
        await Assertions.Expect(page.Locator("[data-test=cancel-pipeline]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=pipeline-run][data-role=meta-train] [data-test=status]"))
            .ToHaveAttributeAsync("data-status", new Regex("^(cancelled|running)$"));
    }

    /// <summary>Options as name → JSON text (a string's without quotes), in name order: what was filled in against what was stored.</summary>
    private static List<(string, string)> Options(params (string Name, string Value)[] options) => [.. options.OrderBy(o => o.Name, StringComparer.Ordinal)];

    private static List<(string, string)> Options(JsonElement hyperparameters) =>
        [.. hyperparameters.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()))
            .OrderBy(o => o.Item1, StringComparer.Ordinal)];
}
