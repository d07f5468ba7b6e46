using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Data.Entities;
using Platform.Tests.Api;
using Platform.Workers.Jobs;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Jobs;

/// <summary>
/// A takeover that finds the run's lock still held (a dead worker's session PostgreSQL has not yet closed) throws
/// <see cref="RunLockedException"/>, so Hangfire retries the job later, instead of completing it and leaving the run
/// never resumed; once the lock is free, the retry executes the run.
/// </summary>
public class RunLockTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task ATakeoverThatFindsTheLockHeldThrowsToBeRetriedAndTheRetryRunsOnceItIsFree()
    {
        using var client = api.Client(api.TeamA.ApiKey);
        var id = (await ReadJsonAsync(await client.SubmitAsync(new { env = "catch/5x5", rule = "ppo", steps = 100, queue = "gpu" }),
            System.Net.HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await using (var db = api.Db())
        {
            // Running on a worker that died; a cancel is pending, so the retry below ends it without starting a trainer.
            var run = await db.Runs.SingleAsync(r => r.Id == id);
            (run.Status, run.StartedAt, run.CancelRequestedAt) = (RunStatus.Running, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
            await db.SaveChangesAsync();
        }

        var storage = Path.Combine(Path.GetTempPath(), $"run-lock-{Guid.NewGuid():N}");
        var executor = new RunExecutor(new WorkerIdentity(api.ConnectionString, "takeover"),
            Options.Create(new WorkerOptions { StorageRoot = storage }), NullLogger<RunExecutor>.Instance);

        // The dead worker's session: holds the run's advisory lock. Not pooled, so that closing it ends the session.
        await using (var dead = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await dead.OpenAsync();
            await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended(@key, 0))", dead))
            {
                hold.Parameters.AddWithValue("key", RunExecutor.LockKey(id));
                await hold.ExecuteScalarAsync();
            }
            await Assert.ThrowsAsync<RunLockedException>(() => executor.ExecuteAsync(id, CancellationToken.None));
            await using var db = api.Db();
            Assert.Equal(RunStatus.Running, (await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id)).Status);
        } // the session ends: PostgreSQL releases its lock, though its backend may take a moment to exit after the close

        // Retried as Hangfire would, but promptly: the first attempt may still meet the exiting backend's lock.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { await executor.ExecuteAsync(id, CancellationToken.None); break; }
            catch (RunLockedException) when (DateTime.UtcNow < deadline) { await Task.Delay(100); }
        }
        // The executor let go of the lock as it finished, though its connection went back to the pool alive. Checked before
        // anything else takes a pooled connection: reusing it would reset the session and hide a lock left held.
        await using (var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await other.OpenAsync();
            await using var probe = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", other);
            probe.Parameters.AddWithValue("key", RunExecutor.LockKey(id));
            Assert.True(await probe.ExecuteScalarAsync() is true, "the run's lock is still held after its executor returned");
        }

        await using (var db = api.Db())
            Assert.Equal(RunStatus.Cancelled, (await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id)).Status);
        if (Directory.Exists(storage)) Directory.Delete(storage, recursive: true);
    }
}
