using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;
using Platform.Tests.Api;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Jobs;

/// <summary>
/// The transfer pipeline (issue #18, item 3) through the real API, queue and worker at tiny scale: meta-train on Catch 5×5 with
/// meta-validation, the selected rule frozen and trained from scratch on Catch 5×5 (in distribution) and 8×8 (out of it)
/// beside PPO, the result table with normalised scores and IQMs; and every malformed submission refused with its field,
/// storing nothing.
/// </summary>
public class PipelineWorkerTests(WorkerFixture fx) : IClassFixture<WorkerFixture>
{
    private static Dictionary<string, object?> MetaTrain(object? validateEvery = null) => new()
    {
        ["envs"] = new[] { "catch/5x5" }, ["steps"] = 2, ["seed"] = 3,
        ["hyperparameters"] = new Dictionary<string, object?>
        {
            ["agents"] = 1, ["inner-steps"] = 1, ["rollout"] = 4, ["batch"] = 4, ["net"] = "small", ["checkpoint-every"] = 1,
            ["validate-every"] = validateEvery ?? 1, ["validation-agents"] = 1, ["validation-steps"] = 200,
        },
    };

    private static Dictionary<string, object?> Evaluation() => new()
    {
        ["envs"] = new[] { "catch/5x5", "catch/8x8" }, ["steps"] = 400, ["seeds"] = new[] { 1 }, ["baselines"] = new[] { "ppo" },
        ["hyperparameters"] = new Dictionary<string, object> { ["net"] = "small", ["rollout"] = 8, ["batch"] = 8, ["log-every"] = 1 },
    };

    [Fact]
    public async Task AMalformedPipelineIsRefusedWithItsFieldAndStoresNothing()
    {
        using var a = fx.Client(fx.TeamA.ApiKey);
        var (runsBefore, pipelinesBefore, jobsBefore) = (await fx.CountRunsAsync(), await fx.ScalarAsync("SELECT count(*) FROM pipelines"), await fx.CountJobsAsync());
        async Task RefusedAsync(Action<Dictionary<string, object?>> change, string field)
        {
            var body = new Dictionary<string, object?> { ["name"] = "transfer", ["metaTrain"] = MetaTrain(), ["evaluation"] = Evaluation() };
            change(body);
            var problem = await ReadJsonAsync(await a.PostAsJsonAsync("/api/pipelines", body), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} not named in {problem}");
        }
        await RefusedAsync(b => b.Remove("name"), "name");
        await RefusedAsync(b => b["name"] = new string('x', 201), "name");
        await RefusedAsync(b => b.Remove("metaTrain"), "metaTrain");
        await RefusedAsync(b => b["metaTrain"] = MetaTrain(validateEvery: 0), "metaTrain.hyperparameters.validate-every");
        await RefusedAsync(b => b["metaTrain"] = MetaTrain(validateEvery: 3), "metaTrain.hyperparameters.validate-every");   // beyond the 2 meta-steps
        await RefusedAsync(b => ((Dictionary<string, object?>)b["metaTrain"]!)["kind"] = "train", "metaTrain.kind");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["metaTrain"]!)["envs"] = new[] { "nope/env" }, "metaTrain.envs[0]");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["metaTrain"]!)["steps"] = 0, "metaTrain.steps");
        await RefusedAsync(b => b.Remove("evaluation"), "evaluation");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["envs"] = new[] { "catch/5x5", "nope/env" }, "evaluation.envs[1]");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["suite"] = "catch", "evaluation.envs");
        await RefusedAsync(b => { var e = (Dictionary<string, object?>)b["evaluation"]!; e.Remove("envs"); e["suite"] = "dmlab"; }, "evaluation.suite");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["seeds"] = Array.Empty<int>(), "evaluation.seeds");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["seeds"] = new[] { 1, 1 }, "evaluation.seeds");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["baselines"] = new[] { "ppo", "sarsa" }, "evaluation.baselines[1]");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["steps"] = 0, "evaluation.steps");
        await RefusedAsync(b => ((Dictionary<string, object?>)b["evaluation"]!)["hyperparameters"] = new Dictionary<string, object> { ["lr"] = -1 },
            "evaluation.hyperparameters.lr");
        // 1 + (3 baselines + the selected rule) × 5 MinAtar games × 10 seeds = 201 runs, one over the limit.
        await RefusedAsync(b => b["evaluation"] = new Dictionary<string, object?> { ["suite"] = "minatar", ["steps"] = 400, ["seeds"] = Enumerable.Range(1, 10).ToArray() },
            "evaluation");
        Assert.Equal((runsBefore, pipelinesBefore, jobsBefore),
            (await fx.CountRunsAsync(), await fx.ScalarAsync("SELECT count(*) FROM pipelines"), await fx.CountJobsAsync()));
    }

    [Fact]
    public async Task APipelineWhoseSubmissionWasInterruptedFailsInsteadOfWaitingForEver()
    {
        // A creator that stored the pipeline and died before its meta-train run: after a grace period the advancer fails it.
        var id = Guid.CreateVersion7();
        await using (var db = fx.Db())
        {
            db.Pipelines.Add(new Pipeline
            {
                Id = id, TeamId = fx.TeamA.TeamId, Name = "interrupted", Definition = "{\"evaluation\":{\"envs\":[\"catch/5x5\"],\"seeds\":[1]}}",
                Stage = PipelineStage.MetaTraining, CreatedAt = DateTimeOffset.UtcNow - Platform.Api.Pipelines.PipelineAdvancer.InterruptedAfter - TimeSpan.FromMinutes(1),
            });
            await db.SaveChangesAsync();
        }
        using var a = fx.Client(fx.TeamA.ApiKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        await using var check = fx.Db();
        while ((await check.Pipelines.AsNoTracking().SingleAsync(p => p.Id == id)).Stage != PipelineStage.Failed)
        {
            Assert.True(DateTime.UtcNow < deadline, "the interrupted pipeline was not failed by the advancer");
            await Task.Delay(250);
        }
        Assert.Contains("interrupted", (await check.Pipelines.AsNoTracking().SingleAsync(p => p.Id == id)).Error);
        Assert.Equal("failed", (await WorkerFixture.GetJsonAsync(a, "/api/pipelines")).EnumerateArray().Single(p => p.GetProperty("id").GetGuid() == id)
            .GetProperty("stage").GetString());
    }

    [TrainerFact]
    public async Task APipelineMetaTrainsSelectsByValidationAndEvaluatesTheFrozenRuleBesideItsBaselines()
    {
        using var a = fx.Client(fx.TeamA.ApiKey);
        using var b = fx.Client(fx.TeamB.ApiKey);
        var created = await ReadJsonAsync(await a.PostAsJsonAsync("/api/pipelines",
            new Dictionary<string, object?> { ["name"] = "Catch 5x5 to 8x8", ["metaTrain"] = MetaTrain(), ["evaluation"] = Evaluation() }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        var metaId = created.GetProperty("metaTrainRunId").GetGuid();
        // At once: the meta-train run and PPO's two runs; the selected rule's runs wait for meta-validation.
        Assert.Equal(3, created.GetProperty("runIds").GetArrayLength());
        var early = await WorkerFixture.GetJsonAsync(a, $"/api/pipelines/{id}");
        Assert.Equal("meta-training", early.GetProperty("stage").GetString());
        Assert.Equal(JsonValueKind.Null, early.GetProperty("selectedRule").ValueKind);
        await AssertProblemAsync(await b.GetAsync($"/api/pipelines/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await b.PostAsync($"/api/pipelines/{id}/cancel", null), HttpStatusCode.NotFound);
        Assert.DoesNotContain((await WorkerFixture.GetJsonAsync(b, "/api/pipelines")).EnumerateArray(), p => p.GetProperty("id").GetGuid() == id);

        using var worker = fx.StartWorker("w-pipeline");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(8);
        JsonElement result;
        while (true)
        {
            result = await WorkerFixture.GetJsonAsync(a, $"/api/pipelines/{id}");
            if (result.GetProperty("stage").GetString() is "finished" or "failed" or "cancelled") break;
            Assert.True(DateTime.UtcNow < deadline, $"pipeline still {result.GetProperty("stage")} after 8 minutes\n{result}\n{worker.Log}");
            await Task.Delay(500);
        }
        Assert.True(result.GetProperty("stage").GetString() == "finished", result + "\n" + worker.Log);

        // The selected rule is the meta-train run's best-validated meta-network, the one marked selected.
        await using var db = fx.Db();
        var metaNetworks = await db.Checkpoints.AsNoTracking().Where(c => c.RunId == metaId && c.Kind == CheckpointKind.MetaNetwork).ToListAsync();
        var selected = Assert.Single(metaNetworks, c => c.Selected);
        Assert.Equal(metaNetworks.Max(c => c.ValidationReturn), selected.ValidationReturn);
        var rule = result.GetProperty("selectedRule");
        Assert.Equal((selected.Id, "meta-network:" + selected.Id, selected.Step), (rule.GetProperty("checkpointId").GetGuid(),
            rule.GetProperty("rule").GetString(), rule.GetProperty("metaStep").GetInt64()));

        // Five runs, all succeeded: the meta-train run, and per environment one run of the frozen rule and one of PPO, tagged with the pipeline.
        var runs = await db.Runs.AsNoTracking().Where(r => r.PipelineId == id).ToListAsync();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.True(r.Status == RunStatus.Succeeded, r.Error));
        Assert.All(runs, r => Assert.Contains("pipeline:" + id, r.Tags));
        var frozen = runs.Where(r => r.Rule == "meta-network:" + selected.Id).ToList();
        Assert.Equal(["catch/5x5", "catch/8x8"], frozen.Select(r => r.EnvironmentId).Order());
        Assert.All(frozen, r => Assert.Equal((selected.Id, 400L, 1L), (r.MetaNetworkCheckpointId!.Value, r.TotalSteps, r.Seed)));
        Assert.Equal(["catch/5x5", "catch/8x8"], runs.Where(r => r.Rule == "ppo").Select(r => r.EnvironmentId).Order());

        // The table: in distribution on the meta-training environment only; Catch normalised by the catalogue (random → 0, 1 → 1).
        var envs = result.GetProperty("environments").EnumerateArray().ToDictionary(e => e.GetProperty("env").GetString()!);
        Assert.True(envs["catch/5x5"].GetProperty("inDistribution").GetBoolean());
        Assert.False(envs["catch/8x8"].GetProperty("inDistribution").GetBoolean());
        Assert.Equal(1.0, envs["catch/8x8"].GetProperty("reference").GetDouble());
        var rules = result.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(["selected-rule", "baseline"], rules.Select(r => r.GetProperty("role").GetString()));
        foreach (var row in rules)
        {
            var cells = row.GetProperty("cells").EnumerateArray().ToList();
            Assert.Equal(2, cells.Count);
            var normalised = new List<double>();
            foreach (var cell in cells)
            {
                var run = runs.Single(r => r.Rule == row.GetProperty("rule").GetString() && r.EnvironmentId == cell.GetProperty("env").GetString());
                Assert.Equal(run.FinalScore!.Value, Assert.Single(cell.GetProperty("scores").EnumerateArray()).GetDouble());
                var random = envs[run.EnvironmentId].GetProperty("random").GetDouble();
                Assert.Equal((run.FinalScore.Value - random) / (1.0 - random), cell.GetProperty("meanNormalised").GetDouble(), 9);
                normalised.Add(cell.GetProperty("meanNormalised").GetDouble());
            }
            // Two environments, one seed each: the IQM of two values is their mean; a bootstrap within each environment
            // could not vary, so there is no interval and the note says so.
            Assert.Equal(normalised.Average(), row.GetProperty("iqm").GetDouble(), 9);
            Assert.Equal(JsonValueKind.Null, row.GetProperty("iqmLow").ValueKind);
            Assert.Contains("one seed per environment", row.GetProperty("iqmNote").GetString());
            Assert.Equal(2, row.GetProperty("iqmEnvironments").GetInt32());
        }
        Assert.Contains((await WorkerFixture.GetJsonAsync(a, "/api/pipelines")).EnumerateArray(),
            p => p.GetProperty("id").GetGuid() == id && p.GetProperty("stage").GetString() == "finished" && p.GetProperty("runs").GetInt32() == 5);
    }
}
