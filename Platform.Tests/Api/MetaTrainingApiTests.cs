using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;
using Platform.Tests.UpdateRules;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>
/// Meta-train and evaluate submissions (validated per kind; bad input is a 400 naming the field and stores nothing), and
/// evaluating a meta-network on a suite (one train run per environment and seed, with that meta-network as the rule).
/// </summary>
public class MetaTrainingApiTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    // Checkpoints every test may name: team A's meta-network and agent, team B's meta-network.
    private static readonly Guid Meta = Guid.Parse("00000000-0000-7000-8000-00000000a001");
    private static readonly Guid Agent = Guid.Parse("00000000-0000-7000-8000-00000000a002");
    private static readonly Guid OtherTeamsMeta = Guid.Parse("00000000-0000-7000-8000-00000000b001");
    private static readonly Guid AgentRun = Guid.Parse("00000000-0000-7000-8000-00000000a003");

    private HttpClient A => api.Client(api.TeamA.ApiKey);

    private async Task EnsureCheckpointsAsync()
    {
        await using var db = api.Db();
        if (await db.Checkpoints.AnyAsync(c => c.Id == Meta)) return;
        db.Runs.Add(new Run
        {
            Id = AgentRun, TeamId = api.TeamA.TeamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu, Spec = "{}",
            EnvironmentId = "catch/5x5", Rule = "actor-critic", Seed = 1, TotalSteps = 100, CreatedAt = DateTimeOffset.UtcNow,
        });
        Checkpoint Row(Guid id, CheckpointKind kind, Guid team, Guid? run = null) => new()
        {
            Id = id, Kind = kind, TeamId = team, RunId = run, Name = $"test {kind} {id:N}", Sha256 = new string('0', 64),
            StorageUri = $"/nonexistent/{id:N}", CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Checkpoints.AddRange(Row(Meta, CheckpointKind.MetaNetwork, api.TeamA.TeamId), Row(Agent, CheckpointKind.Agent, api.TeamA.TeamId, AgentRun),
            Row(OtherTeamsMeta, CheckpointKind.MetaNetwork, api.TeamB.TeamId));
        await db.SaveChangesAsync();
    }

    private static string Ids(string json) => json.Replace("{META}", Meta.ToString()).Replace("{AGENT}", Agent.ToString())
        .Replace("{OTHER}", OtherTeamsMeta.ToString());

    [Fact]
    public async Task MetaTrainRunIsStoredWithItsSpecAndEnqueued()
    {
        await EnsureCheckpointsAsync();
        var jobs = await api.CountJobsAsync();
        var run = await ReadJsonAsync(await A.SubmitAsync(new
        {
            kind = "meta-train", envs = new[] { "catch/5x5", "catch/8x8" }, steps = 50, seed = 4,
            hyperparameters = new Dictionary<string, object> { ["agents"] = 3, ["inner-lr"] = 1e-3, ["net"] = "small", ["lifetime"] = 200, ["target-kl-cost"] = 0 },
        }), HttpStatusCode.Created);
        Assert.Equal("meta-train", run.GetProperty("kind").GetString());
        Assert.Equal("catch/5x5", run.GetProperty("env").GetString());
        Assert.Equal("random", run.GetProperty("rule").GetString());
        Assert.Equal(50, run.GetProperty("totalSteps").GetInt64());
        var spec = run.GetProperty("spec");
        Assert.Equal(["catch/5x5", "catch/8x8"], spec.GetProperty("envs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("random", spec.GetProperty("init").GetString());
        Assert.Equal(3, spec.GetProperty("hyperparameters").GetProperty("agents").GetInt32());
        Assert.Equal(0, spec.GetProperty("hyperparameters").GetProperty("target-kl-cost").GetDouble());
        Assert.Equal(jobs + 1, await api.CountJobsAsync());

        // The worker reads exactly this spec back.
        await using var db = api.Db();
        var stored = await db.Runs.SingleAsync(r => r.Id == run.GetProperty("id").GetGuid());
        var parsed = Assert.IsType<Platform.Data.Runs.MetaTrainRunSpec>(Platform.Data.Runs.RunSpecJson.Deserialize(stored.Spec));
        Assert.Equal(["catch/5x5", "catch/8x8"], parsed.Envs);
        Assert.Equal(50, parsed.Steps);
        Assert.Equal(4, parsed.Seed);

        // Starting from a meta-network: lineage recorded, listed under meta-network:ID.
        var fromMeta = await ReadJsonAsync(await A.SubmitAsync(new { kind = "meta-train", env = "catch/5x5", steps = 5, metaNetworkCheckpointId = Meta }),
            HttpStatusCode.Created);
        Assert.Equal(Meta, fromMeta.GetProperty("metaNetworkCheckpointId").GetGuid());
        Assert.Equal("meta-network:" + Meta, fromMeta.GetProperty("rule").GetString());
        Assert.Equal(["catch/5x5"], fromMeta.GetProperty("spec").GetProperty("envs").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("""{"kind":"meta-train","steps":10}""", "envs")]
    [InlineData("""{"kind":"meta-train","envs":[],"steps":10}""", "envs")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5","atari/pong"],"steps":10}""", "envs[1]")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5","catch/5x5"],"steps":10}""", "envs")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"env":"catch/8x8","steps":10}""", "env")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"]}""", "steps")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":0}""", "steps")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":1000001}""", "steps")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"init":"ppo"}""", "init")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"init":"disco103","metaNetworkCheckpointId":"{META}"}""", "metaNetworkCheckpointId")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"metaNetworkCheckpointId":"{AGENT}"}""", "init")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"metaNetworkCheckpointId":"{OTHER}"}""", "init")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"init":"meta-network:{OTHER}"}""", "init")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"init":"npz:/etc/passwd.npz"}""", "init")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"rule":"disco103"}""", "rule")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"agents":0}}""", "hyperparameters.agents")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"agents":2.5}}""", "hyperparameters.agents")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"batch":-32}}""", "hyperparameters.batch")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"inner-lr":0}}""", "hyperparameters.inner-lr")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"meta-lr":"fast"}}""", "hyperparameters.meta-lr")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"net":"huge"}}""", "hyperparameters.net")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"target-kl-cost":-0.5}}""", "hyperparameters.target-kl-cost")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"hyperparameters":{"out":"/etc"}}""", "hyperparameters.out")]
    [InlineData("""{"kind":"meta-train","envs":["catch/5x5"],"steps":10,"episodes":5}""", "episodes")]
    [InlineData("""{"kind":"evaluate","env":"catch/5x5"}""", "agentCheckpointId")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{META}"}""", "agentCheckpointId")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{AGENT}","episodes":0}""", "episodes")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{AGENT}","env":"minatar/breakout"}""", "env")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{AGENT}","rule":"ppo"}""", "rule")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{AGENT}","steps":100}""", "steps")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{AGENT}","levels":"test"}""", "levels")]
    [InlineData("""{"kind":"evaluate","agentCheckpointId":"{AGENT}","levels":"unseen"}""", "levels")]
    [InlineData("""{"kind":"train","env":"procgen/maze","rule":"ppo","steps":10,"levels":"test"}""", "levels")]
    [InlineData("""{"kind":"train","env":"procgen/maze","rule":"ppo","steps":10,"hyperparameters":{"train-levels":0}}""", "hyperparameters.train-levels")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"init":"random"}""", "init")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"meta-network:{OTHER}","steps":10}""", "rule")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"meta-network:{AGENT}","steps":10}""", "rule")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"npz:/etc/passwd.npz","steps":10}""", "rule")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"disco103","steps":10,"metaNetworkCheckpointId":"{META}"}""", "metaNetworkCheckpointId")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{"zz":"--out=/tmp/x"}}""", "hyperparameters.zz")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{"lr":"--out=/tmp/x"}}""", "hyperparameters.lr")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{"lr":-0.001}}""", "hyperparameters.lr")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{"rollout":1}}""", "hyperparameters.rollout")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{"batch":8,"replay-ratio":16}}""", "hyperparameters.replay-ratio")]
    [InlineData("""{"kind":"train","env":"catch/5x5","rule":"ppo","steps":10,"hyperparameters":{"steps":10}}""", "hyperparameters.steps")]
    public async Task InvalidMetaTrainOrEvaluateSubmissionIs400AndStoresNothing(string body, string field)
    {
        await EnsureCheckpointsAsync();
        var (runs, jobs) = (await api.CountRunsAsync(), await api.CountJobsAsync());
        await AssertFieldProblemAsync(await A.PostAsync("/api/runs", Json(Ids(body))), HttpStatusCode.BadRequest, field);
        Assert.Equal(runs, await api.CountRunsAsync());
        Assert.Equal(jobs, await api.CountJobsAsync());
    }

    [Fact]
    public async Task EvaluateRunTakesTheAgentsEnvironmentAndRule()
    {
        await EnsureCheckpointsAsync();
        var run = await ReadJsonAsync(await A.SubmitAsync(new { kind = "evaluate", agentCheckpointId = Agent, greedy = true }), HttpStatusCode.Created);
        Assert.Equal("evaluate", run.GetProperty("kind").GetString());
        Assert.Equal("catch/5x5", run.GetProperty("env").GetString());
        Assert.Equal("actor-critic", run.GetProperty("rule").GetString());
        Assert.Equal(100, run.GetProperty("totalSteps").GetInt64());
        var spec = Assert.IsType<Platform.Data.Runs.EvaluateRunSpec>(Platform.Data.Runs.RunSpecJson.Deserialize(run.GetProperty("spec").GetRawText()));
        Assert.Equal((Agent, 100, true), (spec.AgentCheckpointId, spec.Episodes, spec.Greedy));

        // Another team cannot evaluate team A's agent.
        using var b = api.Client(api.TeamB.ApiKey);
        await AssertFieldProblemAsync(await b.SubmitAsync(new { kind = "evaluate", agentCheckpointId = Agent }), HttpStatusCode.BadRequest, "agentCheckpointId");
    }

    [Fact]
    public async Task EvaluatingAMetaNetworkOnASuiteSubmitsOneTrainRunPerEnvironmentAndSeed()
    {
        await EnsureCheckpointsAsync();
        var jobs = await api.CountJobsAsync();
        var response = await A.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/checkpoints/{Meta}/evaluate")
        {
            Content = Json("""{"suite":"atari","steps":20000,"seeds":[1,2],"hyperparameters":{"net":"small"},"tags":["gen-1"]}"""),
            Headers = { { "Idempotency-Key", "fan-out-1" } },
        });
        var result = await ReadJsonAsync(response, HttpStatusCode.Created);
        Assert.Equal("minatar", result.GetProperty("suite").GetString());
        var ids = result.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()).ToList();

        await using var db = api.Db();
        var minatar = await db.Environments.Where(e => e.SuiteId == "minatar").Select(e => e.Id).OrderBy(e => e).ToListAsync();
        Assert.Equal(5, minatar.Count);
        var runs = await db.Runs.AsNoTracking().Where(r => ids.Contains(r.Id)).ToListAsync();
        Assert.Equal(minatar.Count * 2, runs.Count);
        Assert.Equal(minatar.SelectMany(e => new[] { (e, 1L), (e, 2L) }).ToHashSet(), runs.Select(r => (r.EnvironmentId, r.Seed)).ToHashSet());
        Assert.All(runs, r =>
        {
            Assert.Equal(RunKind.Train, r.Kind);
            Assert.Equal(RunStatus.Queued, r.Status);
            Assert.Equal(Meta, r.MetaNetworkCheckpointId);
            Assert.Equal("meta-network:" + Meta, r.Rule);
            Assert.Equal(20000, r.TotalSteps);
            Assert.Equal(api.TeamA.TeamId, r.TeamId);
            Assert.Equal(["meta-network:" + Meta, "suite-eval:minatar", "gen-1"], r.Tags);
            Assert.NotNull(r.HangfireJobId);
            // The worker builds a train command line from the stored spec; the rule is the checkpoint's file (resolved by the worker).
            var spec = Assert.IsType<Platform.Data.Runs.TrainRunSpec>(Platform.Data.Runs.RunSpecJson.Deserialize(r.Spec));
            Assert.Equal("small", spec.Hyperparameters["net"].GetString());
            Assert.Equal(Meta, spec.Rule.MetaNetworkId);
        });
        Assert.Equal(jobs + 10, await api.CountJobsAsync());

        // The runs are listed by the checkpoint's tag; the same request again (same key) creates nothing new.
        var listed = await ReadJsonAsync(await A.GetAsync($"/api/runs?tag=meta-network:{Meta}&pageSize=200"));
        Assert.Equal(ids.ToHashSet(), listed.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToHashSet());
        var again = await ReadJsonAsync(await A.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/checkpoints/{Meta}/evaluate")
        {
            Content = Json("""{"suite":"atari","steps":20000,"seeds":[1,2],"hyperparameters":{"net":"small"},"tags":["gen-1"]}"""),
            Headers = { { "Idempotency-Key", "fan-out-1" } },
        }), HttpStatusCode.Created);
        Assert.Equal(ids, again.GetProperty("runIds").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal(jobs + 10, await api.CountJobsAsync());
    }

    [Theory]
    [InlineData("{META}", """{"suite":"dmlab","steps":100,"seeds":[1]}""", "suite")]
    [InlineData("{META}", """{"steps":100,"seeds":[1]}""", "suite")]
    [InlineData("{META}", """{"suite":"procgen","steps":0,"seeds":[1]}""", "steps")]
    [InlineData("{META}", """{"suite":"procgen","seeds":[1]}""", "steps")]
    [InlineData("{META}", """{"suite":"procgen","steps":100}""", "seeds")]
    [InlineData("{META}", """{"suite":"procgen","steps":100,"seeds":[1,1]}""", "seeds")]
    [InlineData("{META}", """{"suite":"procgen","steps":100,"seeds":[-3]}""", "seeds")]
    [InlineData("{META}", """{"suite":"procgen","steps":100,"seeds":[1],"queue":"tpu"}""", "queue")]
    [InlineData("{META}", """{"suite":"procgen","steps":100,"seeds":[1],"tags":["bad tag"]}""", "tags[0]")]
    [InlineData("{META}", """{"suite":"procgen","steps":100,"seeds":[1],"hyperparameters":{"lr":[1]}}""", "hyperparameters.lr")]
    [InlineData("{META}", """{"suite":"procgen","steps":100,"seeds":[1],"rule":"ppo"}""", "rule")]
    [InlineData("{AGENT}", """{"suite":"procgen","steps":100,"seeds":[1]}""", "id")]
    public async Task InvalidSuiteEvaluationIs400AndStoresNothing(string checkpoint, string body, string field)
    {
        await EnsureCheckpointsAsync();
        var (runs, jobs) = (await api.CountRunsAsync(), await api.CountJobsAsync());
        await AssertFieldProblemAsync(await A.PostAsync($"/api/checkpoints/{Ids(checkpoint)}/evaluate", Json(body)), HttpStatusCode.BadRequest, field);
        Assert.Equal(runs, await api.CountRunsAsync());
        Assert.Equal(jobs, await api.CountJobsAsync());
    }

    [Fact]
    public async Task AnotherTeamsOrAMissingMetaNetworkIs404()
    {
        await EnsureCheckpointsAsync();
        var runs = await api.CountRunsAsync();
        foreach (var id in new[] { OtherTeamsMeta, Guid.NewGuid() })
            await AssertProblemAsync(await A.PostAsync($"/api/checkpoints/{id}/evaluate", Json("""{"suite":"catch","steps":100,"seeds":[1]}""")),
                HttpStatusCode.NotFound);
        Assert.Equal(runs, await api.CountRunsAsync());
    }

    private static MultipartFormDataContent UploadForm(byte[] file, string trainedOn)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", "rule.npz");
        form.Add(new StringContent("uploaded with provenance"), "name");
        form.Add(new StringContent(trainedOn), "metaTrainedOn");
        return form;
    }

    [Fact]
    public async Task AnUploadMaySayWhatItWasMetaTrainedOn()
    {
        var bytes = Platform.Tests.Checkpoints.CheckpointTestFiles.UniqueMetaNetwork();
        var created = await ReadJsonAsync(await A.PostAsync("/api/checkpoints", UploadForm(bytes, "minatar, procgen/maze,dmlab")), HttpStatusCode.Created);
        Assert.Equal(["minatar", "procgen/maze", "dmlab"], created.GetProperty("metaTrainedOn").EnumerateArray().Select(e => e.GetString()));
        await using (var db = api.Db())
            Assert.Equal(["minatar", "procgen/maze", "dmlab"], (await db.Checkpoints.SingleAsync(c => c.Id == created.GetProperty("id").GetGuid())).MetaTrainedOn);

        var before = await api.ScalarAsync("SELECT count(*) FROM checkpoints");
        await AssertFieldProblemAsync(await A.PostAsync("/api/checkpoints", UploadForm(bytes, "minatar, pong")), HttpStatusCode.BadRequest, "metaTrainedOn");
        Assert.Equal(before, await api.ScalarAsync("SELECT count(*) FROM checkpoints"));
    }
}
