using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;
using Platform.Data.Storage;

namespace Platform.Workers.Jobs;

/// <summary>
/// The worker's side of the artifact store: turns what a trainer left in its run folder into rows (agent checkpoints,
/// meta-networks, replays; each with its location relative to the storage root, size and SHA-256) and finds the files
/// rows name, only those the run's team may read.
/// </summary>
public sealed class ArtifactRegistrar(ArtifactStore store, ILogger logger)
{
    /// <summary>The file of a meta-network checkpoint the team may read.</summary>
    public async Task<string> ResolveMetaNetworkAsync(PlatformDbContext db, Guid id, Guid teamId, CancellationToken ct)
    {
        var checkpoint = await db.Checkpoints.AsNoTracking()
                             .FirstOrDefaultAsync(c => c.Id == id && c.Kind == CheckpointKind.MetaNetwork && (c.TeamId == null || c.TeamId == teamId), ct)
                         ?? throw new FileNotFoundException($"Meta-network checkpoint {id} no longer exists.");
        var path = store.Resolve(checkpoint.StorageUri);
        return File.Exists(path) ? path : throw new FileNotFoundException($"The meta-network checkpoint's file is missing from storage ({checkpoint.StorageUri}).");
    }

    /// <summary>An agent checkpoint's zip (SHA-256 checked) and its training run's run.json, beside it in the run's folder.</summary>
    public async Task<(string Zip, string RunJson)> ResolveAgentCheckpointAsync(PlatformDbContext db, Guid id, Guid teamId, CancellationToken ct)
    {
        var checkpoint = await db.Checkpoints.AsNoTracking()
                             .FirstOrDefaultAsync(c => c.Id == id && c.Kind == CheckpointKind.Agent && (c.TeamId == null || c.TeamId == teamId), ct)
                         ?? throw new FileNotFoundException($"Agent checkpoint {id} no longer exists.");
        var zip = store.Resolve(checkpoint.StorageUri);
        var config = Path.Combine(Path.GetDirectoryName(zip)!, RunFolderLayout.RunFile);
        if (!File.Exists(zip)) throw new FileNotFoundException($"The agent checkpoint's file is missing from storage ({checkpoint.StorageUri}).");
        if (!File.Exists(config)) throw new FileNotFoundException($"The agent checkpoint's training configuration is missing ({config}).");
        if (await Sha256Async(zip) != checkpoint.Sha256.Trim())
            throw new InvalidDataException($"The agent checkpoint's file does not match its recorded SHA-256 ({checkpoint.StorageUri}).");
        return (zip, config);
    }

    /// <summary>
    /// Unpacks an agent checkpoint (<see cref="ResolveAgentCheckpointAsync"/>) under <paramref name="outDir"/> as
    /// agent/checkpoints/checkpoint/ beside its training run's run.json (the layout the CLI's --checkpoint reads); returns that folder.
    /// </summary>
    public async Task<string> UnpackAgentCheckpointAsync(PlatformDbContext db, Guid id, Guid teamId, string outDir, CancellationToken ct)
    {
        var (zip, config) = await ResolveAgentCheckpointAsync(db, id, teamId, ct);
        var agentDir = Path.Combine(outDir, "agent");
        var checkpointDir = Path.Combine(agentDir, RunFolderLayout.CheckpointsFolder, "checkpoint");
        if (Directory.Exists(agentDir)) Directory.Delete(agentDir, recursive: true);
        Directory.CreateDirectory(checkpointDir);
        ZipFile.ExtractToDirectory(zip, checkpointDir);
        File.Copy(config, Path.Combine(agentDir, RunFolderLayout.RunFile));
        return checkpointDir;
    }

    /// <summary>Packs the newest checkpoint folder as RUN/agent-NAME.zip and records it (kind agent).</summary>
    public async Task RegisterAgentCheckpointAsync(PlatformDbContext db, Run run, string outDir)
    {
        var name = Learning.RunFolder.LatestCheckpointName(outDir);
        if (name is null) { logger.LogWarning("Run {RunId} succeeded without a checkpoint", run.Id); return; }
        var step = RunFolderLayout.StepOf(name, RunFolderLayout.AgentCheckpointPrefix) ?? run.TotalSteps;
        var zip = Path.Combine(outDir, RunFolderLayout.AgentZipName(name));
        if (!File.Exists(zip))
        {
            var temp = zip + ".tmp";
            File.Delete(temp);
            ZipFile.CreateFromDirectory(Path.Combine(outDir, RunFolderLayout.CheckpointsFolder, name), temp, CompressionLevel.Optimal, includeBaseDirectory: false);
            File.Move(temp, zip, overwrite: true);
        }
        var sha = await Sha256Async(zip);
        if (await db.Checkpoints.AnyAsync(c => c.RunId == run.Id && c.Kind == CheckpointKind.Agent && c.Step == step)) return;
        db.Checkpoints.Add(new Checkpoint
        {
            Id = Guid.CreateVersion7(), Kind = CheckpointKind.Agent, RunId = run.Id, TeamId = run.TeamId,
            Name = $"{run.EnvironmentId} {run.Rule} seed {run.Seed} {name}", Step = step,
            SizeBytes = new FileInfo(zip).Length, Sha256 = sha, StorageUri = store.LocationOf(zip), CreatedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Registers each complete meta-network checkpoint not yet registered: a folder counts once checkpoints/latest names it
    /// or a later one (the meta-trainer writes a folder fully, then points latest at it). Its meta_network.npz is copied to
    /// RUN/meta-networks/&lt;folder&gt;.npz (so pruning old checkpoint folders cannot take it away) and recorded: kind
    /// meta-network, step, size, SHA-256, location, the run's team, and the environments it was meta-trained on.
    /// </summary>
    public async Task RegisterMetaNetworksAsync(PlatformDbContext db, Run run, MetaTrainRunSpec spec, string outDir, HashSet<long> registered)
    {
        if (Learning.RunFolder.LatestCheckpointName(outDir) is not { } latest
            || RunFolderLayout.StepOf(latest, RunFolderLayout.MetaCheckpointPrefix) is not { } newest) return;
        var found = Directory.EnumerateDirectories(Path.Combine(outDir, RunFolderLayout.CheckpointsFolder), RunFolderLayout.MetaCheckpointPrefix + "*")
            .Select(d => (Folder: d, Step: RunFolderLayout.StepOf(Path.GetFileName(d), RunFolderLayout.MetaCheckpointPrefix)))
            .Where(x => x.Step is { } s && s <= newest && !registered.Contains(s))
            .OrderBy(x => x.Step).ToList();
        foreach (var (folder, step) in found)
        {
            var source = Path.Combine(folder, RunFolderLayout.MetaNetworkFile);
            var target = Path.Combine(outDir, RunFolderLayout.RegisteredMetaNetwork(Path.GetFileName(folder)));
            try
            {
                if (!File.Exists(target))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    var temp = target + ".tmp";
                    File.Copy(source, temp, overwrite: true);
                    File.Move(temp, target, overwrite: true);
                }
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                continue; // pruned by the meta-trainer meanwhile
            }
            db.Checkpoints.Add(new Checkpoint
            {
                Id = Guid.CreateVersion7(), Kind = CheckpointKind.MetaNetwork, RunId = run.Id, TeamId = run.TeamId,
                Name = $"meta-train {string.Join('+', spec.Envs)} seed {spec.Seed} meta-step {step}", Step = step!.Value,
                SizeBytes = new FileInfo(target).Length, Sha256 = await Sha256Async(target), StorageUri = store.LocationOf(target),
                CreatedAt = DateTimeOffset.UtcNow, MetaTrainedOn = [.. spec.Envs],
            });
            await db.SaveChangesAsync();
            registered.Add(step.Value);
            logger.LogInformation("Run {RunId}: registered meta-network checkpoint at meta-step {Step}", run.Id, step);
        }
    }

    /// <summary>
    /// A meta-train run with meta-validation: each registered meta-network gets its validation return (validations.jsonl)
    /// and the best-validated one (best/best.json) is marked selected, the others not.
    /// </summary>
    public static async Task RecordValidationsAsync(PlatformDbContext db, Run run, string outDir)
    {
        var file = Path.Combine(outDir, RunFolderLayout.ValidationsFile);
        var bestFile = Path.Combine(outDir, RunFolderLayout.BestFolder, RunFolderLayout.BestFile);
        if (!File.Exists(file)) return;
        var scores = new Dictionary<long, double?>();
        foreach (var line in await File.ReadAllLinesAsync(file))
        {
            // A line being written is skipped until it is whole.
            try
            {
                var v = System.Text.Json.Nodes.JsonNode.Parse(line);
                if (v?["meta_step"] is { } step) scores[step.GetValue<long>()] = v[RunFolderLayout.MetricValidationReturn]?.GetValue<double>();
            }
            catch (System.Text.Json.JsonException) { }
        }
        long? selected = null;
        if (File.Exists(bestFile))
            try { selected = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(bestFile))?["meta_step"]?.GetValue<long>(); }
            catch (System.Text.Json.JsonException) { }
        var checkpoints = await db.Checkpoints.Where(c => c.RunId == run.Id && c.Kind == CheckpointKind.MetaNetwork).ToListAsync();
        foreach (var c in checkpoints)
        {
            if (scores.TryGetValue(c.Step, out var score)) c.ValidationReturn = score;
            c.Selected = c.Step == selected;
        }
        await db.SaveChangesAsync();
    }

    /// <summary>Records the run's replay GIF (one per run: a second recording replaces the first's row).</summary>
    public Task RegisterReplayAsync(PlatformDbContext db, Run run, string file) => RegisterRunFileAsync(db, run, ArtifactKind.Replay, file);

    /// <summary>Records an inspect run's report (one per run).</summary>
    public Task RegisterInspectionAsync(PlatformDbContext db, Run run, string file) => RegisterRunFileAsync(db, run, ArtifactKind.Inspection, file);

    /// <summary>A run's file of one kind: one row per run and kind, a second registration replacing the first's location.</summary>
    private async Task RegisterRunFileAsync(PlatformDbContext db, Run run, ArtifactKind kind, string file)
    {
        var location = store.LocationOf(file);
        var (size, sha) = (new FileInfo(file).Length, await Sha256Async(file));
        var existing = await db.Artifacts.FirstOrDefaultAsync(a => a.RunId == run.Id && a.Kind == kind);
        if (existing is null)
            db.Artifacts.Add(new Artifact
            {
                Id = Guid.CreateVersion7(), Kind = kind, RunId = run.Id, TeamId = run.TeamId,
                StorageUri = location, SizeBytes = size, Sha256 = sha, CreatedAt = DateTimeOffset.UtcNow,
            });
        else (existing.StorageUri, existing.SizeBytes, existing.Sha256, existing.CreatedAt) = (location, size, sha, DateTimeOffset.UtcNow);
        await db.SaveChangesAsync();
    }

    private static async Task<string> Sha256Async(string path)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}
