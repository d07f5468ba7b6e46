using System.Collections.ObjectModel;
using System.IO.Compression;

namespace Platform.Data.Npz;

/// <summary>Bounds on what <see cref="Npz.Read(Stream, NpzReadLimits?)"/> accepts.</summary>
/// <param name="MaxArrayBytes">Largest data size of one array, in bytes.</param>
/// <param name="MaxTotalBytes">Largest data size of all arrays together, in bytes.</param>
/// <param name="MaxEntries">Most entries the archive may have.</param>
public sealed record NpzReadLimits(
    long MaxArrayBytes = Npz.DefaultMaxArrayBytes,
    long MaxTotalBytes = Npz.DefaultMaxTotalBytes,
    int MaxEntries = 4096);

/// <summary>
/// Reads and writes .npz archives (zip files of .npy entries, as numpy's savez / savez_compressed write them).
/// <para>Reading is strict: every entry must be a "&lt;key&gt;.npy" array (any other entry, including directory entries,
/// is rejected rather than skipped, so nothing in a checkpoint is silently ignored); keys must be unique and non-empty;
/// each entry's data must match its header exactly (no truncation, no trailing bytes). Declared zip sizes are checked
/// against the limits but never trusted for allocation; the bytes actually inflated are counted.
/// Any malformed or hostile input raises <see cref="NpyFormatException"/> naming the entry.</para>
/// </summary>
public static class Npz
{
    public const long DefaultMaxArrayBytes = 1L << 30;
    public const long DefaultMaxTotalBytes = 4L << 30;

    /// <summary>Zip timestamp written on every entry, so equal arrays give byte-identical files.</summary>
    private static readonly DateTimeOffset EntryTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Slack over <see cref="NpzReadLimits.MaxTotalBytes"/> allowed for zip and .npy headers when buffering a non-seekable stream.</summary>
    private const long ContainerSlackBytes = 64L << 20;

    /// <summary>Reads every array of the .npz at <paramref name="path"/>; keys lack the ".npy" suffix, in zip order.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path, NpzReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, limits);
    }

    /// <summary>
    /// Reads every array of an .npz; keys lack the ".npy" suffix, in zip order. A non-seekable stream is first
    /// copied into memory (bounded by the limits, and by 2 GiB).
    /// </summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream, NpzReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= new NpzReadLimits();
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxArrayBytes, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxTotalBytes, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfNegative(limits.MaxEntries, nameof(limits));

        Stream source = stream.CanSeek ? stream : CopyBounded(stream, limits.MaxTotalBytes + ContainerSlackBytes);
        ZipArchive archive;
        IReadOnlyCollection<ZipArchiveEntry> entries;
        try
        {
            archive = new ZipArchive(source, ZipArchiveMode.Read, leaveOpen: true);
            entries = archive.Entries;
        }
        catch (Exception e) when (IsContainerFailure(e))
        {
            throw new NpyFormatException(null, $"not a valid .npz (zip) archive: {e.Message}", e);
        }

        using (archive)
        {
            if (entries.Count > limits.MaxEntries)
                throw new NpyFormatException(null, $"the archive has {entries.Count} entries, more than the limit of {limits.MaxEntries}");
            var result = new OrderedDictionary<string, NpyArray>(StringComparer.Ordinal);
            long total = 0;
            foreach (var entry in entries)
            {
                string entryName = entry.FullName;
                if (!entryName.EndsWith(".npy", StringComparison.Ordinal))
                    throw new NpyFormatException(entryName, "not a .npy entry (an .npz may only hold '<key>.npy' arrays)");
                string key = entryName[..^4];
                if (key.Length == 0) throw new NpyFormatException(entryName, "empty key");
                if (result.ContainsKey(key)) throw new NpyFormatException(entryName, $"duplicate key '{key}'");

                long remaining = limits.MaxTotalBytes - total;
                long maxData = Math.Min(limits.MaxArrayBytes, remaining);
                string limitDescription = maxData == limits.MaxArrayBytes
                    ? $"the per-array limit of {limits.MaxArrayBytes} bytes"
                    : $"the {remaining} bytes left under the total limit of {limits.MaxTotalBytes} bytes";
                long declared;
                try { declared = entry.Length; }
                catch (Exception e) when (IsContainerFailure(e))
                {
                    throw new NpyFormatException(entryName, $"corrupt zip entry: {e.Message}", e);
                }
                if (declared < 0 || declared > maxData + Npy.MaxHeaderBytes + 128)
                    throw new NpyFormatException(entryName,
                        $"declared uncompressed size {declared} bytes is beyond {limitDescription}");

                NpyArray array;
                try
                {
                    using var entryStream = entry.Open();
                    array = Npy.ReadCore(entryStream, maxData, limitDescription, entryName, available: declared,
                        availableIsReal: false, requireEnd: true);
                }
                catch (Exception e) when (IsContainerFailure(e))
                {
                    throw new NpyFormatException(entryName, $"corrupt zip entry: {e.Message}", e);
                }
                total += array.ByteCount;
                result.Add(key, array);
            }
            return new ReadOnlyDictionary<string, NpyArray>(result);
        }
    }

    /// <summary>
    /// Writes the arrays as "&lt;key&gt;.npy" entries, in the given order: deflated when <paramref name="compress"/>
    /// (like np.savez_compressed), else stored (like np.savez). The stream is left open.
    /// </summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(arrays);
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, array) in arrays)
        {
            if (string.IsNullOrEmpty(key)) throw new ArgumentException("array keys must be non-empty", nameof(arrays));
            if (array is null) throw new ArgumentException($"array '{key}' is null", nameof(arrays));
            if (!seen.Add(key)) throw new ArgumentException($"duplicate key '{key}'", nameof(arrays));
            var entry = zip.CreateEntry(key + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            entry.LastWriteTime = EntryTimestamp;
            using var entryStream = entry.Open();
            Npy.Write(entryStream, array);
        }
    }

    /// <summary>
    /// Writes the archive atomically: to a temporary file in the same folder, flushed to disk, then renamed over
    /// <paramref name="path"/>. Readers see either the old file or the complete new one; the temporary file is
    /// removed if writing fails.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arrays);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no folder", nameof(path));
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Write(file, arrays, compress);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Exceptions System.IO.Compression raises on corrupt archives; they become <see cref="NpyFormatException"/>.</summary>
    private static bool IsContainerFailure(Exception e) =>
        e is InvalidDataException or IOException or NotSupportedException or ArgumentException
            or OverflowException or FormatException;

    private static MemoryStream CopyBounded(Stream stream, long maxBytes)
    {
        var copy = new MemoryStream();
        var buffer = new byte[1 << 16];
        int r;
        try
        {
            while ((r = stream.Read(buffer)) > 0)
            {
                if (copy.Length + r > maxBytes)
                    throw new NpyFormatException(null, $"the archive is larger than {maxBytes} bytes");
                copy.Write(buffer, 0, r);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException && e is not NpyFormatException)
        {
            throw new NpyFormatException(null, $"could not read the archive: {e.Message}", e);
        }
        copy.Position = 0;
        return copy;
    }
}
