using System.Net;
using System.Net.Http.Json;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Workers.Inspection;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Jobs;

/// <summary>
/// POST/GET /api/checkpoints/{id}/inspect against the real API, queue and worker (issue #17, item 2): an agent trained by the
/// worker is inspected by an inspect run on the cpu queue, whose report is stored as the run's artifact and served to its
/// team only; a rule that cannot read the agent, and bad options, are refused with the field and change nothing.
/// </summary>
public class InspectionWorkerTests(WorkerFixture fx) : IClassFixture<WorkerFixture>
{
    [Fact]
    public async Task AnAgentCheckpointIsInspectedByAnInspectRunAndItsReportIsServedToItsTeam()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        using var a = fx.Client(fx.TeamA.ApiKey);
        using var b = fx.Client(fx.TeamB.ApiKey);
        var trainId = await WorkerFixture.SubmitAsync(a, new
        {
            env = "catch/5x5", rule = "actor-critic", steps = 3000, seed = 7, hyperparameters = new Dictionary<string, object> { ["net"] = "small" },
        });
        using var worker = fx.StartWorker("w-inspect");
        var trained = await fx.WaitForRunAsync(trainId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(3), worker);
        Assert.True(trained.Status == RunStatus.Succeeded, trained.Error);
        var checkpoint = (await WorkerFixture.GetJsonAsync(a, $"/api/checkpoints?runId={trainId}")).EnumerateArray().Single().GetProperty("id").GetGuid();

        // Refused with the field, nothing stored.
        var before = await fx.ScalarAsync("SELECT count(*) FROM runs");
        async Task RefusedAsync(object body, string field)
        {
            var problem = await ReadJsonAsync(await a.PostAsJsonAsync($"/api/checkpoints/{checkpoint}/inspect", body), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        await RefusedAsync(new { rule = "disco103" }, "rule");            // a meta-learned rule reads y, z and q: this agent has none
        await RefusedAsync(new { rule = "ppo" }, "rule");                 // a baseline inspects its own agents only
        await RefusedAsync(new { episodes = 0 }, "episodes");
        await RefusedAsync(new { hyperparameters = new Dictionary<string, object> { ["ends-within"] = 0 } }, "hyperparameters.ends-within");
        await RefusedAsync(new { env = "minatar/breakout" }, "env");
        await AssertProblemAsync(await a.PostAsJsonAsync($"/api/checkpoints/{Guid.NewGuid()}/inspect", new { }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await b.PostAsJsonAsync($"/api/checkpoints/{checkpoint}/inspect", new { }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await a.GetAsync($"/api/checkpoints/{checkpoint}/inspect"), HttpStatusCode.NotFound);
        Assert.Equal(before, await fx.ScalarAsync("SELECT count(*) FROM runs"));

        var created = await ReadJsonAsync(await a.PostAsJsonAsync($"/api/checkpoints/{checkpoint}/inspect", new { episodes = 30, seed = 2 }), HttpStatusCode.Created);
        Assert.Equal(("inspect", "cpu", "actor-critic"), (created.GetProperty("kind").GetString(), created.GetProperty("queue").GetString(), created.GetProperty("rule").GetString()));
        var inspectId = created.GetProperty("id").GetGuid();
        var inspected = await fx.WaitForRunAsync(inspectId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(2), worker);
        Assert.True(inspected.Status == RunStatus.Succeeded, inspected.Error + "\n" + worker.Log);

        foreach (var url in new[] { $"/api/checkpoints/{checkpoint}/inspect", $"/api/runs/{inspectId}/inspection" })
        {
            var report = await WorkerFixture.GetJsonAsync(a, url);
            Assert.Equal(InspectionReport.SchemaId, report.GetProperty("schema").GetString());
            Assert.Equal(("actor-critic", "catch/5x5", 30), (report.GetProperty("rule").GetString(), report.GetProperty("env").GetString(),
                report.GetProperty("settings").GetProperty("episodes").GetInt32()));
            Assert.True(report.GetProperty("summary").GetProperty("complete_episodes").GetInt32() >= 30);
            Assert.True(report.GetProperty("steps")[0].TryGetProperty("gae_advantage", out _));
        }
        await AssertProblemAsync(await b.GetAsync($"/api/checkpoints/{checkpoint}/inspect"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await b.GetAsync($"/api/runs/{inspectId}/inspection"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await a.GetAsync($"/api/runs/{trainId}/inspection"), HttpStatusCode.NotFound);
    }
}
