using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;
using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Tests.Api;

namespace Platform.Tests.Jobs;

/// <summary>
/// Evaluate and meta-train runs through the real chain: API → Hangfire (PostgreSQL) → worker process → child
/// <c>evaluate</c> / <c>meta-train</c> → database; and a meta-trained rule evaluated on a suite through the same workers.
/// </summary>
public class RunKindWorkerTests(WorkerFixture fx) : IClassFixture<WorkerFixture>
{
    private static async Task<JsonElement> SingleCheckpointAsync(HttpClient client, Guid runId, string kind) =>
        Assert.Single((await WorkerFixture.GetJsonAsync(client, $"/api/checkpoints?runId={runId}&kind={kind}")).EnumerateArray());

    [TrainerFact]
    public async Task EvaluateRunScoresAnAgentCheckpoint()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var trainId = await WorkerFixture.SubmitAsync(client, new
        {
            env = "catch/5x5", rule = "actor-critic", steps = 3000, seed = 2,
            hyperparameters = new Dictionary<string, object> { ["net"] = "small", ["checkpoint-every"] = 1000 },
        });
        using var worker = fx.StartWorker("w-evaluate");
        var trained = await fx.WaitForRunAsync(trainId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(4), worker);
        Assert.True(trained.Status == RunStatus.Succeeded, trained.Error + "\n" + worker.Log);
        var agent = (await SingleCheckpointAsync(client, trainId, "agent")).GetProperty("id").GetGuid();

        var evalId = await WorkerFixture.SubmitAsync(client, new { kind = "evaluate", agentCheckpointId = agent, episodes = 30, greedy = true, seed = 77 });
        var run = await fx.WaitForRunAsync(evalId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(3), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        Assert.Equal(RunKind.Evaluate, run.Kind);
        Assert.Equal(30, run.CurrentStep);
        Assert.NotNull(run.FinalScore);
        Assert.InRange(run.FinalScore!.Value, -1, 1);

        // The same evaluation run by hand on the training run's own folder gives the same last line.
        var (code, stdout) = Cli("evaluate", "--checkpoint", Path.Combine(fx.RunsDirectory, trainId.ToString()), "--episodes", "30", "--greedy", "--seed", "77");
        Assert.Equal(0, code);
        var expected = Platform.Data.Runs.RunFolderLayout.ParseEvaluateResult(stdout.Split('\n'));
        Assert.NotNull(expected);
        Assert.Equal(expected!.Value.MeanReturn, run.FinalScore.Value);

        await using var db = fx.Db();
        var points = await db.MetricPoints.Where(p => p.RunId == evalId).ToListAsync();
        var mean = points.Single(p => p.Name == Platform.Data.Runs.RunFolderLayout.MetricMeanReturn);
        Assert.Equal((30L, run.FinalScore.Value), (mean.Step, mean.Value));
        // And each episode's return (the run page shows their spread), at step = the episode's number.
        var episodes = points.Where(p => p.Name == Platform.Data.Runs.RunFolderLayout.MetricEvaluationReturn).OrderBy(p => p.Step).ToList();
        Assert.Equal(2, points.Select(p => p.Name).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), episodes.Select(p => p.Step));
        Assert.Equal(run.FinalScore.Value, episodes.Average(p => p.Value), tolerance: 1e-4);
    }

    [TrainerFact]
    public async Task MetaTrainRunRegistersItsMetaNetworksWhichThenTrainAgentsOnASuite()
    {
        using var client = fx.Client(fx.TeamA.ApiKey);
        var runId = await WorkerFixture.SubmitAsync(client, new
        {
            kind = "meta-train", envs = new[] { "catch/5x5" }, steps = 4, seed = 3,
            hyperparameters = new Dictionary<string, object>
            {
                ["agents"] = 2, ["inner-steps"] = 2, ["rollout"] = 4, ["batch"] = 4, ["net"] = "small", ["checkpoint-every"] = 2,
                // Meta-validation at meta-steps 0, 2 and 4 (issue #18): one fresh agent each, briefly.
                ["validate-every"] = 2, ["validation-agents"] = 1, ["validation-steps"] = 200,
            },
        });
        using var worker = fx.StartWorker("w-meta");
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(6), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);
        Assert.Equal(4, run.CurrentStep);
        Assert.Equal(4, run.TotalSteps);

        // Every line of metrics.jsonl reached metric_points, one point per (name, meta-step).
        var outDir = Path.Combine(fx.RunsDirectory, runId.ToString());
        var logged = new Platform.Workers.Jobs.MetricsFileTailer(Path.Combine(outDir, "metrics.jsonl")).ReadNew();
        Assert.NotEmpty(logged);
        await using var db = fx.Db();
        var stored = await db.MetricPoints.Where(p => p.RunId == runId).ToListAsync();
        Assert.Equal(logged.SelectMany(l => l.Values.Select(v => (v.Key, l.Step, v.Value))).ToHashSet(),
            stored.Select(p => (p.Name, p.Step, p.Value)).ToHashSet());
        Assert.Contains(stored, p => p.Name == "meta_loss" && p.Step == 4);

        // Meta-networks at meta-steps 0 (the initial rule), 2 and 4, owned by the team, recorded as meta-trained on catch/5x5,
        // each downloadable with its SHA-256 and a valid Disco103-layout meta-network.
        var checkpoints = (await WorkerFixture.GetJsonAsync(client, $"/api/checkpoints?runId={runId}&kind=meta-network")).EnumerateArray().ToList();
        Assert.Equal([0L, 2L, 4L], checkpoints.Select(c => c.GetProperty("step").GetInt64()).Order());
        // Each carries its validation return; the one meta-validation selected (best/best.json) is marked, and only it.
        var best = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "best", "best.json"))).RootElement;
        Assert.All(checkpoints, c => Assert.Equal(System.Text.Json.JsonValueKind.Number, c.GetProperty("validationReturn").ValueKind));
        var selected = Assert.Single(checkpoints, c => c.GetProperty("selected").GetBoolean());
        Assert.Equal(best.GetProperty("meta_step").GetInt64(), selected.GetProperty("step").GetInt64());
        Assert.Equal(best.GetProperty("validation_return").GetDouble(), selected.GetProperty("validationReturn").GetDouble());
        foreach (var checkpoint in checkpoints)
        {
            Assert.Equal(["catch/5x5"], checkpoint.GetProperty("metaTrainedOn").EnumerateArray().Select(e => e.GetString()));
            Assert.False(checkpoint.GetProperty("shared").GetBoolean());
            var response = await client.GetAsync($"/api/checkpoints/{checkpoint.GetProperty("id").GetGuid()}/download");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(checkpoint.GetProperty("sizeBytes").GetInt64(), bytes.Length);
            Assert.Equal(checkpoint.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            MetaNetworkValidator.Validate(Npz.Read(new MemoryStream(bytes)));
            var step = checkpoint.GetProperty("step").GetInt64();
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(outDir, "checkpoints", $"meta-step-{step:D12}", "meta_network.npz")), bytes);
        }
        using (var other = fx.Client(fx.TeamB.ApiKey))
            Assert.Empty((await WorkerFixture.GetJsonAsync(other, $"/api/checkpoints?runId={runId}")).EnumerateArray());

        // The final rule, evaluated on the Catch suite: one train run per environment, each trained with that meta-network.
        var final = checkpoints.Single(c => c.GetProperty("step").GetInt64() == 4).GetProperty("id").GetGuid();
        var fanOut = await HttpAssertions.ReadJsonAsync(await client.PostAsync($"/api/checkpoints/{final}/evaluate", HttpAssertions.Json(
            """{"suite":"catch","steps":400,"seeds":[1],"hyperparameters":{"net":"small","rollout":8,"batch":8,"log-every":1}}""")), HttpStatusCode.Created);
        var ids = fanOut.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()).ToList();
        Assert.Equal(2, ids.Count);
        foreach (var id in ids)
        {
            var trained = await fx.WaitForRunAsync(id, r => r.Status is RunStatus.Failed or RunStatus.Succeeded, TimeSpan.FromMinutes(4), worker);
            Assert.True(trained.Status == RunStatus.Succeeded, trained.Error + "\n" + worker.Log);
            Assert.Equal(final, trained.MetaNetworkCheckpointId);
            Assert.NotNull(trained.FinalScore);
        }
        // The worker trained them with the checkpoint's file as the rule.
        Assert.Contains($"--rule npz:{Path.Combine(outDir, "meta-networks", "meta-step-000000000004.npz")}", worker.Log);

        // The generalisation view: the rule, meta-trained on Catch, in distribution on Catch.
        var view = await WorkerFixture.GetJsonAsync(client, "/api/leaderboards/generalisation");
        var row = view.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "meta-network:" + final);
        Assert.Equal(["catch"], row.GetProperty("metaTrainedOn").GetProperty("suites").EnumerateArray().Select(e => e.GetString()));
        var cell = Assert.Single(row.GetProperty("cells").EnumerateArray());
        Assert.Equal("catch", cell.GetProperty("suite").GetString());
        Assert.True(cell.GetProperty("inDistribution").GetBoolean());
        Assert.Equal(ids.ToHashSet(), cell.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()).ToHashSet());
    }

    private static (int Code, string Stdout) Cli(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(WorkerProcess.WorkersDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result[..0]);
    }
}
