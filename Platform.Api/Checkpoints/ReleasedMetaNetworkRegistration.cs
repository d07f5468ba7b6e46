using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Data.Storage;

namespace Platform.Api.Checkpoints;

/// <summary>
/// At start, makes the released Disco103 a built-in checkpoint of every team (<see cref="ReleasedMetaNetworks"/>): the shared
/// weights are checked like an upload, copied into the artifact store where uploads live (so workers on other machines read
/// it as they read an upload) and recorded as a shared row without a run. A changed weights file replaces the copy; an API
/// that cannot find the shared folder registers nothing and leaves a row already there (runs may cite it).
/// </summary>
public static class ReleasedMetaNetworkRegistration
{
    public static async Task SyncAsync(PlatformDbContext db, ArtifactStore store, ILogger logger, CancellationToken ct = default)
    {
        if (SharedFolder.Disco103Weights is not { } source || !File.Exists(source))
        {
            logger.LogWarning("The released Disco103 weights ({File} under ${Variable} or shared/) were not found; it is not listed as a checkpoint",
                SharedFolder.Disco103WeightsFile, SharedFolder.Variable);
            return;
        }
        var bytes = await File.ReadAllBytesAsync(source, ct);
        MetaNetworkValidator.Validate(Npz.Read(new MemoryStream(bytes, writable: false), MetaNetworkValidator.ReadLimits()));
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var id = ReleasedMetaNetworks.Disco103Id;
        var location = ArtifactStore.UploadLocation(id);
        var path = store.Resolve(location);

        var row = await db.Checkpoints.FirstOrDefaultAsync(c => c.Id == id, ct);
        if (row is not null && row.Sha256 == sha && row.StorageUri == location && File.Exists(path)) return;

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.copying";   // several API instances may start at once
        await File.WriteAllBytesAsync(temporary, bytes, ct);
        File.Move(temporary, path, overwrite: true);

        if (row is null)
            db.Checkpoints.Add(row = new Checkpoint
            {
                Id = id, Kind = CheckpointKind.MetaNetwork, TeamId = null, RunId = null, Name = ReleasedMetaNetworks.Disco103Name,
                Sha256 = sha, StorageUri = location, CreatedAt = DateTimeOffset.UtcNow, MetaTrainedOn = [.. ReleasedMetaNetworks.Disco103MetaTrainedOn],
            });
        (row.SizeBytes, row.Sha256, row.StorageUri) = (bytes.Length, sha, location);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();   // another instance registered it at the same moment, from the same file
        }
    }
}
