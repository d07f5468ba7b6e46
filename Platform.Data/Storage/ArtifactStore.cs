namespace Platform.Data.Storage;

/// <summary>
/// The one place files live: every run's folder, registered agent checkpoints, meta-networks (meta-trained or uploaded)
/// and replays are under <see cref="Root"/> (setting <c>Platform:StorageRoot</c>, the same for the API and every
/// worker), and the database stores their locations relative to it. API and workers on different machines or in
/// different containers therefore agree on every path as long as they mount the same storage at their StorageRoot.
/// <code>
/// ROOT/runs/RUN_ID/…            a run's folder (RunFolderLayout)
/// ROOT/meta-networks/ID.npz     uploaded meta-networks
/// </code>
/// </summary>
public sealed class ArtifactStore
{
    public const string DefaultRoot = ".local/storage";
    public const string RunsFolder = "runs", UploadsFolder = "meta-networks";

    /// <summary>Absolute, normalised.</summary>
    public string Root { get; }

    /// <param name="root">The storage root; relative to <paramref name="basePath"/> (default: the working directory).</param>
    public ArtifactStore(string root, string? basePath = null) =>
        Root = Path.TrimEndingDirectorySeparator(basePath is null ? Path.GetFullPath(root) : Path.GetFullPath(root, basePath));

    /// <summary>ROOT/runs/RUN_ID: where a run's trainer writes.</summary>
    public string RunFolder(Guid runId) => Path.Combine(Root, RunsFolder, runId.ToString());

    /// <summary>ROOT/meta-networks/ID.npz: where an uploaded meta-network is kept; its stored location is <see cref="UploadLocation"/>.</summary>
    public static string UploadLocation(Guid checkpointId) => $"{UploadsFolder}/{checkpointId:N}.npz";

    /// <summary>
    /// The file a stored location names. Locations are relative to the root and may not leave it; absolute paths and
    /// file:// URIs (rows written before locations were relative) are taken as they are.
    /// </summary>
    public string Resolve(string location)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.IsFile) return uri.LocalPath;
        if (Path.IsPathRooted(location)) return location;
        var full = Path.GetFullPath(Path.Combine(Root, location));
        if (!IsInside(full)) throw new InvalidDataException($"Stored location '{location}' points outside the storage root.");
        return full;
    }

    /// <summary>The location to store for a file under the root (forward slashes, relative); a file outside it is refused.</summary>
    public string LocationOf(string path)
    {
        var full = Path.GetFullPath(path);
        if (!IsInside(full)) throw new ArgumentException($"'{path}' is not under the storage root {Root}.");
        return Path.GetRelativePath(Root, full).Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>
    /// Deletes the file a stored location names when it lies under the root; a location elsewhere (a row written before
    /// locations were relative, the shared Disco103's weights) is left alone.
    /// </summary>
    public void DeleteFile(string location)
    {
        var path = Resolve(location);
        if (IsInside(path)) File.Delete(path);
    }

    /// <summary>Deletes a run's folder (<see cref="RunFolder"/>) and everything in it, when there is one.</summary>
    public void DeleteRunFolder(Guid runId)
    {
        var folder = RunFolder(runId);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private bool IsInside(string full) => full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
