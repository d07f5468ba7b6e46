using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Data.Runs;
using Platform.Workers.Learning;

namespace Platform.Workers.Jobs;

/// <summary>
/// Stores a run's provenance while its trainer runs: the trainer's RUN/provenance.json (when it has written one; every
/// start and resume rewrites it) with this worker's name and the exact child command line added. Checked on every
/// supervision tick; stored again only when the file changed.
/// </summary>
public sealed class ProvenanceRecorder(Guid runId, string outDir, string workerName, IReadOnlyList<string> childCommand)
{
    private bool _stored;
    private DateTime? _storedStamp;

    public async Task RecordAsync(RunTransitions transitions)
    {
        var path = Path.Combine(outDir, RunFolderLayout.ProvenanceFile);
        DateTime? stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : null;
        if (_stored && stamp == _storedStamp) return;
        JsonObject record;
        try { record = stamp is null ? [] : JsonNode.Parse(await File.ReadAllTextAsync(path)) as JsonObject ?? []; }
        catch (Exception ex) when (ex is IOException or JsonException) { return; }   // half-written: next tick
        record[RunProvenanceKeys.Worker] = workerName;
        record[RunProvenanceKeys.CommandLine] = Provenance.CommandLine(childCommand);
        await transitions.RecordProvenanceAsync(runId, record.ToJsonString());
        (_stored, _storedStamp) = (true, stamp);
    }
}
