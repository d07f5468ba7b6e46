using System.IO.Compression;
using System.IO.Pipelines;
using Platform.Data.Runs;

namespace Platform.Api.Checkpoints;

/// <summary>
/// The policy-only download of an agent checkpoint: a zip laid out as a run folder with nothing but what acting needs,
/// <code>
/// run.json                              the training run's configuration (environment, network), which rebuilds the network
/// checkpoints/latest                    names the one checkpoint folder
/// checkpoints/step-…/agent.npz          the agent's parameters
/// </code>
/// so the unpacked folder is what the worker's <c>evaluate --checkpoint</c> and <c>replay --checkpoint</c> take. The stored zip's
/// target network, optimiser and rule state, replay buffer and environment state (only for resuming training) are left out.
/// Made from the stored zip while the response is written, one entry copied at a time: memory stays at the copy buffers.
/// </summary>
public sealed class PolicyPackage
{
    private readonly string _zip, _runJson, _folder;

    private PolicyPackage(string zip, string runJson, string folder) => (_zip, _runJson, _folder) = (zip, runJson, folder);

    /// <summary>
    /// The package of a stored agent zip (RUN/agent-step-….zip, <see cref="RunFolderLayout.AgentZipName"/>) and the run.json
    /// beside it; null when either is missing or the zip holds no agent parameters, checked before any byte is sent.
    /// </summary>
    public static async Task<PolicyPackage?> FindAsync(string storedZip, long step, CancellationToken ct)
    {
        var runJson = Path.Combine(Path.GetDirectoryName(storedZip)!, RunFolderLayout.RunFile);
        if (!File.Exists(storedZip) || !File.Exists(runJson)) return null;
        try
        {
            await using var source = await ZipArchive.CreateAsync(File.OpenRead(storedZip), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, ct);
            if (source.GetEntry(RunFolderLayout.AgentParametersFile) is null) return null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
        return new PolicyPackage(storedZip, runJson, RunFolderLayout.AgentCheckpointName(step));
    }

    /// <summary>
    /// Writes the package to <paramref name="output"/> (the response body). System.IO.Compression finishes each deflated entry
    /// with a synchronous write, which Kestrel refuses, so the zip is written on its own thread into a pipe whose other end is
    /// copied out asynchronously; the pipe's back-pressure bounds what waits in memory.
    /// </summary>
    public async Task WriteAsync(Stream output, CancellationToken ct)
    {
        var pipe = new Pipe();
        var writing = Task.Run(() =>
        {
            try
            {
                using (var stream = pipe.Writer.AsStream(leaveOpen: true)) Write(stream);
                pipe.Writer.Complete();
            }
            catch (Exception ex)
            {
                pipe.Writer.Complete(ex);
            }
        }, ct);
        try
        {
            await pipe.Reader.CopyToAsync(output, ct);
        }
        finally
        {
            await pipe.Reader.CompleteAsync();   // a reader gone (client disconnected) lets the writer finish instead of waiting
            await writing;
        }
    }

    private void Write(Stream output)
    {
        using var source = ZipFile.OpenRead(_zip);
        using var package = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        using (var from = File.OpenRead(_runJson))
            Copy(from, package, RunFolderLayout.RunFile);
        using (var latest = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(_folder)))
            Copy(latest, package, $"{RunFolderLayout.CheckpointsFolder}/{RunFolderLayout.LatestFile}");
        var parameters = source.GetEntry(RunFolderLayout.AgentParametersFile)
                         ?? throw new InvalidDataException($"{_zip} no longer holds {RunFolderLayout.AgentParametersFile}.");
        using (var from = parameters.Open())
            Copy(from, package, $"{RunFolderLayout.CheckpointsFolder}/{_folder}/{RunFolderLayout.AgentParametersFile}");
    }

    private static void Copy(Stream from, ZipArchive package, string name)
    {
        using var to = package.CreateEntry(name, CompressionLevel.Optimal).Open();
        from.CopyTo(to);
    }
}
