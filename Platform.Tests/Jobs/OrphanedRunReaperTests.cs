using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Workers.Jobs;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Jobs;

/// <summary>Runs marked running whose job has ended or vanished are failed; runs whose job is alive are left alone.</summary>
public class OrphanedRunReaperTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<Guid> RunningAsync(Action<Run>? change = null)
    {
        using var client = api.Client(api.TeamA.ApiKey);
        // Submitted through the API (a real enqueued Hangfire job), then marked running as a worker would.
        var id = (await ReadJsonAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100, queue = "gpu" }),
            System.Net.HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await using var db = api.Db();
        var run = await db.Runs.SingleAsync(r => r.Id == id);
        run.Status = RunStatus.Running;
        change?.Invoke(run);
        await db.SaveChangesAsync();
        return id;
    }

    [Fact]
    public async Task RunningRunsWhoseJobIsGoneOrFinishedAreFailedAndLiveOnesAreNot()
    {
        var alive = await RunningAsync();                                         // its job is enqueued: a worker will take it
        var vanished = await RunningAsync(r => r.HangfireJobId = "987654321");    // no such job
        var finished = await RunningAsync();
        await using (var db = api.Db())
        {
            var jobId = long.Parse((await db.Runs.SingleAsync(r => r.Id == finished)).HangfireJobId!);
            await db.Database.ExecuteSqlInterpolatedAsync($"UPDATE hangfire.job SET statename = 'Succeeded' WHERE id = {jobId}");
        }

        Assert.True(await OrphanedRunReaper.ReapAsync(api.ConnectionString, CancellationToken.None) >= 2);

        await using var check = api.Db();
        var runs = await check.Runs.AsNoTracking().Where(r => r.Id == alive || r.Id == vanished || r.Id == finished).ToDictionaryAsync(r => r.Id);
        Assert.Equal(RunStatus.Running, runs[alive].Status);
        foreach (var id in new[] { vanished, finished })
        {
            Assert.Equal(RunStatus.Failed, runs[id].Status);
            Assert.Equal(OrphanedRunReaper.Reason, runs[id].Error);
            Assert.NotNull(runs[id].FinishedAt);
        }
    }
}
