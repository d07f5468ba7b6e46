namespace Platform.Data.Jobs;

/// <summary>
/// The Hangfire job contract between the API (which enqueues) and the workers (which implement it). Only the
/// run id travels in the job; the worker reads the spec from the runs table.
/// </summary>
public interface IRunExecutor
{
    Task ExecuteAsync(Guid runId, CancellationToken ct);
}
