using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Api.Endpoints;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.MetaNetworks;
using Platform.Data.Runs;
using Platform.Data.Storage;
using Platform.Tests.Api;
using Platform.Tests.Jobs;
using Platform.Tests.Learning;
using Platform.Workers.Environments;
using Platform.Workers.Jobs;
using Platform.Workers.Learning;
using Xunit.Abstractions;
using static Platform.Tests.Api.HttpAssertions;
using static TorchSharp.torch;

namespace Platform.Tests.Checkpoints;

/// <summary>
/// Issue #19, item 11: downloads are named after what they hold (kind, environment, rule, run, step), and an agent checkpoint
/// also downloads as its policy alone: a much smaller zip that loads into the same network with the same parameters.
/// </summary>
public class CheckpointDownloadTests(ApiFixture api, ITestOutputHelper output) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);

    private static string? FileName(HttpResponseMessage response) =>
        response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"');

    private async Task<Run> AddRunAsync(RunKind kind, string env, string rule)
    {
        await using var db = api.Db();
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = api.TeamA.TeamId, Kind = kind, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = env, Rule = rule, Seed = 3, TotalSteps = 300, CurrentStep = 300,
            CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
        };
        db.Runs.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    /// <summary>A checkpoint row whose file (any bytes: names do not depend on them) is in the store.</summary>
    private async Task<Guid> AddCheckpointAsync(CheckpointKind kind, Guid? runId, string name, long step)
    {
        var id = Guid.CreateVersion7();
        var location = $"{ArtifactStore.RunsFolder}/{runId ?? id}/{id:N}.bin";
        var path = Path.Combine(api.StorageRoot, location);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, [1, 2, 3]);
        await using var db = api.Db();
        db.Checkpoints.Add(new Checkpoint
        {
            Id = id, Kind = kind, RunId = runId, TeamId = api.TeamA.TeamId, Name = name, Step = step, SizeBytes = 3,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData([1, 2, 3])), StorageUri = location, CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
        return id;
    }

    private async Task<string?> DownloadNameAsync(Guid id)
    {
        using var response = await A.GetAsync($"/api/checkpoints/{id}/download");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return FileName(response);
    }

    [Fact]
    public async Task EveryDownloadIsNamedAfterWhatItHolds()
    {
        var ruleNetwork = Guid.CreateVersion7();
        var train = await AddRunAsync(RunKind.Train, "catch/8x8", RuleReference.MetaNetwork(ruleNetwork).ToString());
        var agent = await AddCheckpointAsync(CheckpointKind.Agent, train.Id, "an agent", 12_000);
        Assert.Equal($"agent_catch-8x8_meta-network-{ShortIds.Of(ruleNetwork)}_run-{ShortIds.Of(train.Id)}_step-12000.zip", await DownloadNameAsync(agent));

        var baseline = await AddRunAsync(RunKind.Train, "procgen/maze", RuleCatalog.ActorCritic);
        var baselineAgent = await AddCheckpointAsync(CheckpointKind.Agent, baseline.Id, "another", 5);
        Assert.Equal($"agent_procgen-maze_actor-critic_run-{ShortIds.Of(baseline.Id)}_step-5.zip", await DownloadNameAsync(baselineAgent));

        var metaTrain = await AddRunAsync(RunKind.MetaTrain, "catch/5x5", "random");
        var metaNetwork = await AddCheckpointAsync(CheckpointKind.MetaNetwork, metaTrain.Id, "meta-step 50", 50);
        Assert.Equal($"meta-network_catch-5x5_run-{ShortIds.Of(metaTrain.Id)}_meta-step-50.npz", await DownloadNameAsync(metaNetwork));

        // An upload's name, in safe characters only: no quotes, slashes or spaces reach the header.
        var upload = await AddCheckpointAsync(CheckpointKind.MetaNetwork, null, "My \"rule\" / v2 — ü..", 0);
        Assert.Equal($"meta-network_my-rule-v2_{ShortIds.Of(upload)}.npz", await DownloadNameAsync(upload));

        Assert.Equal($"meta-network_disco103-released_{ShortIds.Of(ReleasedMetaNetworks.Disco103Id)}.npz",
            await DownloadNameAsync(ReleasedMetaNetworks.Disco103Id));
    }

    [Fact]
    public async Task ContentsIsCheckedAndPolicyIsForAgentsOnly()
    {
        await AssertFieldProblemAsync(await A.GetAsync($"/api/checkpoints/{ReleasedMetaNetworks.Disco103Id}/download?contents=weights"),
            HttpStatusCode.BadRequest, "contents");
        await AssertFieldProblemAsync(await A.GetAsync($"/api/checkpoints/{ReleasedMetaNetworks.Disco103Id}/download?contents=policy"),
            HttpStatusCode.BadRequest, "contents");
    }

    /// <summary>
    /// A real agent checkpoint (a short actor-critic run on Catch, packed and registered by the worker's registrar): its
    /// policy-only download is a run folder holding run.json and agent.npz only, at most a third of the full zip, and loads
    /// (as evaluate --checkpoint loads it) into a network with the full checkpoint's parameters and action logits.
    /// Another team cannot download it.
    /// </summary>
    [TrainerFact]
    public async Task AnAgentsPolicyOnlyDownloadIsMuchSmallerAndActsAsTheFullCheckpoint()
    {
        var run = await AddRunAsync(RunKind.Train, "catch/5x5", RuleCatalog.ActorCritic);
        var store = new ArtifactStore(api.StorageRoot);
        var outDir = store.RunFolder(run.Id);
        var (code, _, err) = WorkerCli.Run("train", "--env", "catch/5x5", "--rule", RuleCatalog.ActorCritic, "--steps", "300", "--out", outDir,
            "--net", "small", "--batch", "8", "--replay-ratio", "4", "--rollout", "10");
        Assert.True(code == 0, err);
        await using (var db = api.Db())
            await new ArtifactRegistrar(store, NullLogger.Instance).RegisterAgentCheckpointAsync(db, run, outDir);
        Guid id;
        long step;
        await using (var db = api.Db())
            (id, step) = db.Checkpoints.Where(c => c.RunId == run.Id).Select(c => new { c.Id, c.Step }).AsEnumerable().Select(c => (c.Id, c.Step)).Single();

        using var full = await A.GetAsync($"/api/checkpoints/{id}/download");
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        var fullBytes = await full.Content.ReadAsByteArrayAsync();
        using var policy = await A.GetAsync($"/api/checkpoints/{id}/download?contents=policy");
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        var policyBytes = await policy.Content.ReadAsByteArrayAsync();
        var stem = $"catch-5x5_actor-critic_run-{ShortIds.Of(run.Id)}_step-{step}.zip";
        Assert.Equal("agent_" + stem, FileName(full));
        Assert.Equal("policy_" + stem, FileName(policy));
        Assert.Equal("application/zip", policy.Content.Headers.ContentType?.MediaType);
        Assert.False(policy.Headers.Contains(CheckpointEndpoints.ChecksumHeader), "the checksum header describes the stored file only");
        output.WriteLine($"catch/5x5 actor-critic, net small, 300 steps: full {fullBytes.Length} bytes, policy only {policyBytes.Length} bytes");
        Assert.True(policyBytes.Length * 3 < fullBytes.Length, $"policy only {policyBytes.Length} bytes, full {fullBytes.Length} bytes");

        var work = Directory.CreateTempSubdirectory("policy-only-").FullName;
        try
        {
            var policyDir = Path.Combine(work, "policy");
            await using (var zip = new MemoryStream(policyBytes))
                ZipFile.ExtractToDirectory(zip, policyDir);
            var folder = RunFolderLayout.AgentCheckpointName(step);
            string[] expected = [RunFolderLayout.RunFile, $"{RunFolderLayout.CheckpointsFolder}/{folder}/{RunFolderLayout.AgentParametersFile}",
                $"{RunFolderLayout.CheckpointsFolder}/{RunFolderLayout.LatestFile}"];
            Assert.Equal(expected.Order(StringComparer.Ordinal),
                Directory.GetFiles(policyDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(policyDir, f).Replace('\\', '/')).Order(StringComparer.Ordinal));

            // The full checkpoint as the worker unpacks it: its step folder beside the training run's run.json.
            var fullDir = Path.Combine(work, "full");
            var fullStep = Path.Combine(fullDir, RunFolderLayout.CheckpointsFolder, folder);
            await using (var zip = new MemoryStream(fullBytes))
                ZipFile.ExtractToDirectory(zip, fullStep);
            File.Copy(Path.Combine(outDir, RunFolderLayout.RunFile), Path.Combine(fullDir, RunFolderLayout.RunFile));

            var fromPolicy = Policy.Load(policyDir);
            var fromFull = Policy.Load(fullStep);
            Assert.Equal(fromFull.Parameters.Count, fromPolicy.Parameters.Count);
            foreach (var (p, f) in fromPolicy.Parameters.Zip(fromFull.Parameters)) Assert.True(p.allclose(f, rtol: 0, atol: 0), "a parameter differs");
            var shape = EnvironmentRegistry.Get(fromFull.Config.Env).ObservationShape.Select(d => (long)d).ToArray();
            using var observations = rand([4, .. shape], generator: new TorchSharp.torch.Generator(7));
            using var logitsPolicy = fromPolicy.Network.Logits(fromPolicy.Parameters, observations);
            using var logitsFull = fromFull.Network.Logits(fromFull.Parameters, observations);
            Assert.True(logitsPolicy.allclose(logitsFull, rtol: 0, atol: 0), "the action logits differ");
        }
        finally { Directory.Delete(work, recursive: true); }

        Assert.Equal(HttpStatusCode.NotFound, (await api.Client(api.TeamB.ApiKey).GetAsync($"/api/checkpoints/{id}/download?contents=policy")).StatusCode);
    }
}
