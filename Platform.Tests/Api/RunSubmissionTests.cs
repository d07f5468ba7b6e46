using System.Net;
using System.Net.Http.Json;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

public class RunSubmissionTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient A => api.Client(api.TeamA.ApiKey);
    private HttpClient B => api.Client(api.TeamB.ApiKey);

    [Fact]
    public async Task SubmitStoresTheRunAndEnqueuesAHangfireJobOnItsQueue()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(new
        {
            kind = "train", env = "minatar/breakout", rule = "disco103", steps = 5000, seed = 7, queue = "gpu",
            hyperparameters = new Dictionary<string, object> { ["lr"] = 3e-4, ["net"] = "small" }, tags = new[] { "sweep-1" },
        }), HttpStatusCode.Created);
        var id = run.GetProperty("id").GetGuid();
        Assert.Equal("queued", run.GetProperty("status").GetString());
        Assert.Equal("gpu", run.GetProperty("queue").GetString());
        Assert.Equal(7, run.GetProperty("seed").GetInt64());
        Assert.Equal(0.0003, run.GetProperty("spec").GetProperty("hyperparameters").GetProperty("lr").GetDouble());

        await using var db = api.Db();
        var stored = db.Runs.Single(r => r.Id == id);
        Assert.Equal(api.TeamA.TeamId, stored.TeamId);
        Assert.NotNull(stored.HangfireJobId);

        var jobId = long.Parse(stored.HangfireJobId!);
        Assert.Equal(1, await api.ScalarAsync(
            "SELECT count(*) FROM hangfire.jobqueue WHERE jobid = @id AND queue = 'gpu'", ("id", jobId)));
        Assert.Equal(1, await api.ScalarAsync(
            "SELECT count(*) FROM hangfire.job WHERE id = @id AND statename = 'Enqueued' " +
            "AND invocationdata::text LIKE '%IRunExecutor%' AND arguments::text LIKE '%' || @run || '%'",
            ("id", jobId), ("run", id.ToString())));
    }

    [Fact]
    public async Task CpuIsTheDefaultQueue()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10 }), HttpStatusCode.Created);
        Assert.Equal("cpu", run.GetProperty("queue").GetString());
        var jobId = long.Parse(api.Db().Runs.Single(r => r.Id == run.GetProperty("id").GetGuid()).HangfireJobId!);
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM hangfire.jobqueue WHERE jobid = @id AND queue = 'cpu'", ("id", jobId)));
    }

    [Theory]
    [InlineData("""{"env":"atari/pong","rule":"ppo","steps":10}""", "env")]
    [InlineData("""{"rule":"ppo","steps":10}""", "env")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":-5}""", "steps")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":0}""", "steps")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo"}""", "steps")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":"ten"}""", "steps")]
    [InlineData("""{"env":"catch/8x8","rule":"reinforce","steps":10}""", "rule")]
    [InlineData("""{"env":"catch/8x8","rule":"npz:","steps":10}""", "rule")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10,"queue":"tpu"}""", "queue")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10,"kind":"dance"}""", "kind")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10,"seed":-1}""", "seed")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10,"hyperparameters":{"lr":[1,2]}}""", "hyperparameters.lr")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10,"tags":["ok","has space"]}""", "tags[1]")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10,"stepz":10}""", "stepz")]
    [InlineData("""{"env":"catch/8x8","rule":"ppo","steps":10""", "steps")]
    [InlineData("""not json at all""", "body")]
    [InlineData("""[1,2,3]""", "body")]
    public async Task InvalidSubmissionIs400NamingTheFieldAndStoresNothing(string body, string field)
    {
        var (runs, jobs) = (await api.CountRunsAsync(), await api.CountJobsAsync());
        await AssertFieldProblemAsync(await A.PostAsync("/api/runs", Json(body)), HttpStatusCode.BadRequest, field);
        Assert.Equal(runs, await api.CountRunsAsync());
        Assert.Equal(jobs, await api.CountJobsAsync());
    }

    [Fact]
    public async Task OversizedBodyIs413ProblemAndStoresNothing()
    {
        var (runs, jobs) = (await api.CountRunsAsync(), await api.CountJobsAsync());
        var huge = new string('x', 2 * 1024 * 1024);
        var response = await A.PostAsync("/api/runs", Json($$"""{"env":"catch/8x8","rule":"ppo","steps":10,"tags":["{{huge}}"]}"""));
        await AssertFieldProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "body");
        Assert.Equal(runs, await api.CountRunsAsync());
        Assert.Equal(jobs, await api.CountJobsAsync());
    }

    [Fact]
    public async Task NonJsonContentTypeIs415Problem()
    {
        var response = await A.PostAsync("/api/runs", new StringContent("env=catch/8x8"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task SameIdempotencyKeyReturnsTheSameRunAndOneRow()
    {
        var body = new { env = "catch/8x8", rule = "ppo", steps = 100, seed = 1 };
        var key = "submit-" + Guid.NewGuid();
        var jobs = await api.CountJobsAsync();

        var first = await ReadJsonAsync(await A.SubmitAsync(body, key), HttpStatusCode.Created);
        var second = await A.SubmitAsync(body, key);
        var replay = await ReadJsonAsync(second);
        Assert.Equal(first.GetProperty("id").GetGuid(), replay.GetProperty("id").GetGuid());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());

        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM runs WHERE idempotency_key = @k", ("k", key)));
        Assert.Equal(jobs + 1, await api.CountJobsAsync());
    }

    [Fact]
    public async Task ConcurrentSubmissionsWithOneKeyMakeOneRun()
    {
        var key = "race-" + Guid.NewGuid();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            api.Client(api.TeamA.ApiKey).SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 100 }, key)));
        var ids = new HashSet<Guid>();
        foreach (var r in responses)
        {
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString());
            ids.Add((await r.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid());
        }
        Assert.Single(ids);
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM runs WHERE idempotency_key = @k", ("k", key)));
    }

    [Fact]
    public async Task IdempotencyKeysAreScopedPerTeam()
    {
        var key = "shared-" + Guid.NewGuid();
        var a = await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10 }, key), HttpStatusCode.Created);
        var b = await ReadJsonAsync(await B.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10 }, key), HttpStatusCode.Created);
        Assert.NotEqual(a.GetProperty("id").GetGuid(), b.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task AnotherTeamsRunIs404Everywhere()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10, tags = new[] { "private" } }), HttpStatusCode.Created);
        var id = run.GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.OK, (await A.GetAsync($"/api/runs/{id}")).StatusCode);
        await AssertProblemAsync(await B.GetAsync($"/api/runs/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await B.GetAsync($"/api/runs/{id}/metrics"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await B.PostAsync($"/api/runs/{id}/cancel", null), HttpStatusCode.NotFound);
        var list = await ReadJsonAsync(await B.GetAsync("/api/runs?tag=private"));
        Assert.Equal(0, list.GetProperty("total").GetInt32());

        await using var db = api.Db();
        Assert.Equal(RunStatusQueued, db.Runs.Single(r => r.Id == id).Status);
    }

    private const Platform.Data.Entities.RunStatus RunStatusQueued = Platform.Data.Entities.RunStatus.Queued;

    [Fact]
    public async Task ListFiltersAndPages()
    {
        var tag = "list-" + Guid.NewGuid().ToString("N")[..8];
        foreach (var env in new[] { "catch/5x5", "catch/5x5", "minatar/asterix" })
            await ReadJsonAsync(await A.SubmitAsync(new { env, rule = "actor-critic", steps = 10, tags = new[] { tag } }), HttpStatusCode.Created);

        var all = await ReadJsonAsync(await A.GetAsync($"/api/runs?tag={tag}"));
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        var byEnv = await ReadJsonAsync(await A.GetAsync($"/api/runs?tag={tag}&env=catch/5x5&rule=actor-critic&status=queued"));
        Assert.Equal(2, byEnv.GetProperty("total").GetInt32());
        var page2 = await ReadJsonAsync(await A.GetAsync($"/api/runs?tag={tag}&page=2&pageSize=2"));
        Assert.Equal(1, page2.GetProperty("items").GetArrayLength());
        Assert.Equal("minatar/asterix", all.GetProperty("items")[0].GetProperty("env").GetString()); // newest first

        await AssertFieldProblemAsync(await A.GetAsync("/api/runs?status=sleeping"), HttpStatusCode.BadRequest, "status");
        await AssertFieldProblemAsync(await A.GetAsync("/api/runs?pageSize=1000"), HttpStatusCode.BadRequest, "pageSize");
    }

    [Fact]
    public async Task CancellingAQueuedRunCancelsItAndDeletesItsJob()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10 }), HttpStatusCode.Created);
        var id = run.GetProperty("id").GetGuid();

        var cancelled = await ReadJsonAsync(await A.PostAsync($"/api/runs/{id}/cancel", null));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var jobId = long.Parse(api.Db().Runs.Single(r => r.Id == id).HangfireJobId!);
        Assert.Equal(1, await api.ScalarAsync("SELECT count(*) FROM hangfire.job WHERE id = @id AND statename = 'Deleted'", ("id", jobId)));

        await AssertProblemAsync(await A.PostAsync($"/api/runs/{id}/cancel", null), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task CancellingARunningRunAsksTheWorkerToStop()
    {
        var run = await ReadJsonAsync(await A.SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10 }), HttpStatusCode.Created);
        var id = run.GetProperty("id").GetGuid();
        await api.ScalarAsync("UPDATE runs SET status = 'running', started_at = now() WHERE id = @id", ("id", id));

        var response = await ReadJsonAsync(await A.PostAsync($"/api/runs/{id}/cancel", null), HttpStatusCode.Accepted);
        Assert.Equal("running", response.GetProperty("status").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, response.GetProperty("cancelRequestedAt").ValueKind);
    }
}
