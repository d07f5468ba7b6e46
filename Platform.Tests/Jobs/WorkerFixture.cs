using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;
using Platform.Tests.Api;

namespace Platform.Tests.Jobs;

/// <summary>The real API (ApiFixture) plus real worker processes sharing its storage root.</summary>
public class WorkerFixture : ApiFixture
{
    /// <summary>Where workers train runs: the store's runs/ folder.</summary>
    public string RunsDirectory => Path.Combine(StorageRoot, Platform.Data.Storage.ArtifactStore.RunsFolder);

    public WorkerProcess StartWorker(string name, string queues = "cpu") => new(ConnectionString, StorageRoot, name, queues);

    public async Task<Run> WaitForRunAsync(Guid runId, Func<Run, bool> until, TimeSpan timeout, WorkerProcess? worker = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = Db())
            {
                var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == runId);
                if (until(run)) return run;
                if (DateTime.UtcNow > deadline)
                    Assert.Fail($"Run {runId} still {run.Status} at step {run.CurrentStep} after {timeout}: {run.Error}\n--- worker log ---\n{worker?.Log}");
            }
            await Task.Delay(250);
        }
    }

    public static async Task<Guid> SubmitAsync(HttpClient client, object body)
    {
        var response = await client.SubmitAsync(body);
        var json = await HttpAssertions.ReadJsonAsync(response, System.Net.HttpStatusCode.Created);
        return json.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string url) =>
        await HttpAssertions.ReadJsonAsync(await client.GetAsync(url));
}
