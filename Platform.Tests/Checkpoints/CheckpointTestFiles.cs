using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Platform.Data.Npz;

namespace Platform.Tests.Checkpoints;

/// <summary>Helpers shared by the checkpoint tests: hand-made .npy bytes, zips, the shared weights folder.</summary>
internal static class CheckpointTestFiles
{
    public const string WeightsRelative = "weights/disco_103.npz";

    /// <summary>
    /// The shared folder (holding weights/disco_103.npz): $DISCO_SHARED_DIR if set, else the first "shared" folder
    /// found beside a folder on the way up from the test binaries (the repo root's parent holds shared/).
    /// </summary>
    public static string? FindSharedDir()
    {
        var env = Environment.GetEnvironmentVariable("DISCO_SHARED_DIR");
        if (!string.IsNullOrEmpty(env)) return File.Exists(Path.Combine(env, WeightsRelative)) ? env : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, WeightsRelative))) return candidate;
        }
        return null;
    }

    public static string WeightsPath()
    {
        var shared = FindSharedDir();
        Assert.True(shared is not null,
            $"could not find shared/{WeightsRelative} above {AppContext.BaseDirectory}; set DISCO_SHARED_DIR to the shared folder");
        return Path.Combine(shared!, WeightsRelative);
    }

    private static int _variants;

    /// <summary>
    /// A valid meta-network (the Disco103 layout) that no other call returns: the released weights with one bias nudged.
    /// Uploads need one, since the API refuses a file whose SHA-256 the team already has, and the released file is every team's.
    /// </summary>
    public static byte[] UniqueMetaNetwork()
    {
        var arrays = new Dictionary<string, NpyArray>(Npz.Read(WeightsPath()));
        const string nudged = "lstm/linear_4/b";
        var bias = arrays[nudged].ToFloat32();
        bias[0] += 1e-3f * Interlocked.Increment(ref _variants);
        arrays[nudged] = new NpyArray(NpyDType.Float32, arrays[nudged].Shape, bias);
        var stream = new MemoryStream();
        Npz.Write(stream, arrays);
        return stream.ToArray();
    }

    /// <summary>.npy bytes with the given header dict text, padded like numpy (data at a multiple of 64).</summary>
    public static byte[] NpyBytes(string dict, byte[] data, int major = 1)
    {
        int lengthBytes = major == 1 ? 2 : 4;
        int preamble = 8 + lengthBytes;
        var dictBytes = Encoding.UTF8.GetBytes(dict);
        int total = (preamble + dictBytes.Length + 1 + 63) / 64 * 64;
        int headerLength = total - preamble;
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        var len = new byte[lengthBytes];
        if (lengthBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)headerLength);
        else BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)headerLength);
        ms.Write(len);
        ms.Write(dictBytes);
        for (int i = dictBytes.Length; i < headerLength - 1; i++) ms.WriteByte((byte)' ');
        ms.WriteByte((byte)'\n');
        ms.Write(data);
        return ms.ToArray();
    }

    public static string Dict(string descr, bool fortran, string shape) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";

    public static byte[] LittleEndianBytes<T>(params T[] values) where T : unmanaged =>
        MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static byte[] BigEndianBytes<T>(params T[] values) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        var bytes = LittleEndianBytes(values);
        for (int i = 0; i < bytes.Length; i += size) Array.Reverse(bytes, i, size);
        return bytes;
    }

    /// <summary>A zip of the given entries (raw bytes), stored or deflated.</summary>
    public static byte[] Zip(bool compress, params (string Name, byte[] Content)[] entries)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in entries)
            {
                var e = zip.CreateEntry(name, compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(content);
            }
        return ms.ToArray();
    }

    public static byte[] NpzBytes(bool compress, params (string Key, NpyArray Array)[] arrays)
    {
        var ms = new MemoryStream();
        Npz.Write(ms, arrays.Select(a => KeyValuePair.Create(a.Key, a.Array)), compress);
        return ms.ToArray();
    }

    /// <summary>The array's elements as little-endian C-order bytes, as numpy's tobytes() gives them (bool as 0/1).</summary>
    public static byte[] RawBytes(NpyArray a) => a.Data switch
    {
        float[] v => LittleEndianBytes(v),
        double[] v => LittleEndianBytes(v),
        int[] v => LittleEndianBytes(v),
        long[] v => LittleEndianBytes(v),
        byte[] v => (byte[])v.Clone(),
        bool[] v => v.Select(b => b ? (byte)1 : (byte)0).ToArray(),
        _ => throw new InvalidOperationException(),
    };

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Offsets of every occurrence of a 4-byte little-endian signature (zip headers).</summary>
    public static List<int> FindSignature(byte[] bytes, uint signature)
    {
        var found = new List<int>();
        for (int i = 0; i + 4 <= bytes.Length; i++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == signature) found.Add(i);
        return found;
    }

    public const uint LocalHeader = 0x04034b50, CentralHeader = 0x02014b50, EndOfCentralDirectory = 0x06054b50;

    /// <summary>Rewrites the uncompressed (and optionally compressed) size fields of every local and central header.</summary>
    public static byte[] PatchZipSizes(byte[] zip, uint? uncompressed, uint? compressed)
    {
        var b = (byte[])zip.Clone();
        foreach (int at in FindSignature(b, LocalHeader))
        {
            if (compressed is uint c) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 18), c);
            if (uncompressed is uint u) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 22), u);
        }
        foreach (int at in FindSignature(b, CentralHeader))
        {
            if (compressed is uint c) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 20), c);
            if (uncompressed is uint u) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 24), u);
        }
        return b;
    }

    /// <summary>Runs <paramref name="read"/> on its own thread with a time bound; returns its exception and its allocations.</summary>
    public static (Exception? Error, long AllocatedBytes) Bounded(Action read, TimeSpan timeout, string what)
    {
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Exception? error = null;
            try { read(); }
            catch (Exception e) { error = e; }
            return (error, GC.GetAllocatedBytesForCurrentThread() - before);
        });
        Assert.True(task.Wait(timeout), $"{what}: the read did not finish within {timeout.TotalSeconds} s");
        return task.Result;
    }
}
