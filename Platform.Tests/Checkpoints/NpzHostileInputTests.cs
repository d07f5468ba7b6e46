using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Platform.Data.Npz;
using Xunit.Abstractions;
using static Platform.Tests.Checkpoints.CheckpointTestFiles;

namespace Platform.Tests.Checkpoints;

/// <summary>Hostile and broken input: every read ends quickly, allocates little, and fails only with NpyFormatException.</summary>
public class NpzHostileInputTests(ITestOutputHelper output)
{
    private const long MiB = 1 << 20;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Reads the bytes as an .npz under a time bound; returns the error (null on success) and allocations.</summary>
    private static (Exception? Error, long Allocated) TryRead(byte[] bytes, NpzReadLimits? limits = null, string what = "read") =>
        Bounded(() => Npz.Read(new MemoryStream(bytes, writable: false), limits), ReadTimeout, what);

    private static NpyFormatException ExpectFormatError(byte[] bytes, long maxAllocated, NpzReadLimits? limits = null)
    {
        var (error, allocated) = TryRead(bytes, limits);
        var e = Assert.IsType<NpyFormatException>(error);
        Assert.True(allocated < maxAllocated, $"the read allocated {allocated:N0} bytes (bound {maxAllocated:N0}): {e.Message}");
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HeaderClaimingHugeShapeIsRejectedWithoutAllocating(bool compress)
    {
        foreach (var shape in new[] { "(100000, 100000, 100000)", "(4611686018427387904, 4)", "(9223372036854775807,)", "(300000000,)" })
        {
            var npy = NpyBytes(Dict("<f4", false, shape), LittleEndianBytes(1f, 2f));
            var e = ExpectFormatError(Zip(compress, ("big.npy", npy)), 2 * MiB);
            Assert.Contains("big.npy", e.Message);
            output.WriteLine(e.Message);
            var direct = Bounded(() => Npy.Read(new MemoryStream(npy)), ReadTimeout, shape);
            Assert.IsType<NpyFormatException>(direct.Error);
            Assert.True(direct.AllocatedBytes < 2 * MiB);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HeaderClaimingMoreElementsThanPresentIsRejected(bool compress)
    {
        // 100M float32s (400 MB, under the default 1 GiB limit) claimed, 3 present.
        var npy = NpyBytes(Dict("<f4", false, "(100000000,)"), LittleEndianBytes(1f, 2f, 3f));
        var e = ExpectFormatError(Zip(compress, ("short.npy", npy)), 4 * MiB);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("short.npy", e.Message);

        // The zip also claims 400 MB: the data still isn't there, and buffers only grow with real bytes.
        var lying = PatchZipSizes(Zip(compress, ("short.npy", npy)), uncompressed: 400_000_200, compressed: null);
        Assert.Contains("short.npy", ExpectFormatError(lying, 8 * MiB).Message);

        var nonSeekable = Bounded(() => Npy.Read(new NpyHeaderTests.NonSeekableStream(npy)), ReadTimeout, "non-seekable");
        Assert.Contains("truncated", Assert.IsType<NpyFormatException>(nonSeekable.Error).Message);
        Assert.True(nonSeekable.AllocatedBytes < 4 * MiB, $"allocated {nonSeekable.AllocatedBytes:N0}");
    }

    [Fact]
    public void DeflatedEntryInflatingBeyondTheLimitIsRejected()
    {
        // 32 MiB of zeros deflate to ~32 KB; the per-array limit is 1 MiB.
        var npy = NpyBytes(Dict("|u1", false, $"({32 * MiB},)"), new byte[32 * MiB]);
        var zip = Zip(true, ("bomb.npy", npy));
        Assert.True(zip.Length < 64 * 1024, $"bomb is {zip.Length} bytes");
        var e = ExpectFormatError(zip, 4 * MiB, new NpzReadLimits(MaxArrayBytes: MiB));
        Assert.Contains("limit", e.Message);

        // Under the per-array limit but over the total: two 12 MiB arrays with a 16 MiB total.
        var twelve = NpyBytes(Dict("|u1", false, $"({12 * MiB},)"), new byte[12 * MiB]);
        var two = Zip(true, ("a.npy", twelve), ("b.npy", twelve));
        var total = ExpectFormatError(two, 40 * MiB, new NpzReadLimits(MaxArrayBytes: 16 * MiB, MaxTotalBytes: 16 * MiB));
        Assert.Contains("total limit", total.Message);
        Assert.Equal("b.npy", total.EntryName);
    }

    [Fact]
    public void DeflatedEntryWithMoreDataThanItsHeaderIsRejected()
    {
        // A 10-byte array followed by 64 MiB of zeros that inflate from ~64 KB: we stop after one extra byte.
        var payload = new byte[64 * MiB];
        var npy = NpyBytes(Dict("|u1", false, "(10,)"), payload);
        var zip = Zip(true, ("tail.npy", npy));
        var sw = Stopwatch.StartNew();
        var e = ExpectFormatError(zip, 4 * MiB, new NpzReadLimits(MaxArrayBytes: 1 << 30));
        Assert.Contains("more data after the array", e.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ZipHeadersThatLieAboutSizesAreRejected()
    {
        var npy = NpyBytes(Dict("|u1", false, $"({8 * MiB},)"), new byte[8 * MiB]);
        foreach (bool compress in new[] { true, false })
        {
            var zip = Zip(compress, ("w.npy", npy));
            var limits = new NpzReadLimits(MaxArrayBytes: 16 * MiB);
            Assert.Null(TryRead(zip, limits).Error);
            long bound = 40 * MiB;
            // Declared too small for what the header claims.
            Assert.Contains("truncated", ExpectFormatError(PatchZipSizes(zip, 1000, null), bound, limits).Message);
            // Declared enormous.
            foreach (uint huge in new[] { 0xFFFFFFF0u, 0x7FFFFFFFu, 0x20000000u })
                ExpectFormatError(PatchZipSizes(zip, huge, null), bound, limits);
            // Compressed sizes changed (too small, huge, and the zip64 marker without a zip64 record).
            foreach (uint c in new[] { 10u, 0x7FFFFFFFu, 0xFFFFFFFFu })
                ExpectFormatError(PatchZipSizes(zip, null, c), bound, limits);
            ExpectFormatError(PatchZipSizes(zip, 0xFFFFFFFF, 0xFFFFFFFF), bound, limits);
        }
    }

    [Fact]
    public void TruncatedZipIsRejectedAtEveryCut()
    {
        var zip = NpzBytes(true, ("a", NpyRoundTripTests.MakeArray(NpyDType.Float32, [30, 4], 1)),
            ("b", NpyRoundTripTests.MakeArray(NpyDType.Int64, [7], 2)));
        for (int cut = 0; cut < zip.Length; cut += 3)
            ExpectFormatError(zip[..cut], 2 * MiB + 4L * zip.Length);
        ExpectFormatError([], MiB);
    }

    [Fact]
    public void NonNpyDirectoryAndDuplicateEntriesAreRejected()
    {
        var npy = NpyBytes(Dict("<f4", false, "(1,)"), LittleEndianBytes(1f));
        Assert.Contains("not a .npy entry", ExpectFormatError(Zip(false, ("a.npy", npy), ("readme.txt", [1, 2])), MiB).Message);
        Assert.Contains("not a .npy entry", ExpectFormatError(Zip(false, ("dir/", []), ("dir/a.npy", npy)), MiB).Message);
        Assert.Contains("duplicate key 'a'", ExpectFormatError(Zip(true, ("a.npy", npy), ("a.npy", npy)), MiB).Message);
        Assert.Contains("empty key", ExpectFormatError(Zip(false, (".npy", npy)), MiB).Message);
        Assert.Contains("limit of 1", ExpectFormatError(Zip(false, ("a.npy", npy), ("b.npy", npy)), MiB,
            new NpzReadLimits(MaxEntries: 1)).Message);
        Assert.Contains("after the array", ExpectFormatError(Zip(false, ("a.npy", [.. npy, 0])), MiB).Message);
    }

    [Fact]
    public void NotAZipIsRejected()
    {
        ExpectFormatError(Encoding.ASCII.GetBytes("this is not a zip file at all, just text"), MiB);
        var npy = NpyBytes(Dict("<f4", false, "(1,)"), LittleEndianBytes(1f));
        ExpectFormatError(npy, MiB);
    }

    // ---------------------------------------------------------------- fuzzing

    private static readonly string[] HostileShapes =
    [
        "(100000, 100000, 100000)", "(9223372036854775807,)", "(9223372036854775808,)", "(-1,)", "(4294967296,)",
        "(268435456,)", "(1073741824,)", "(0,)", "()", "(2, 3)", "(5)", "[5]", "(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)",
        "(3, 4611686018427387904)", "(65536, 65536)", "(1,", "((1,),)", "('a',)", "(None,)",
    ];

    private static readonly string[] HostileDtypes =
        ["'<c8'", "'|O'", "'<U10'", "'>f8'", "'<i8'", "'|b1'", "'|u1'", "'<f2'", "[('a', '<f4')]", "None", "'<f4", "'\\x'", "''", "'>i4'"];

    private sealed record FuzzBase(string Name, bool Compress, (string Entry, byte[] Npy)[] Entries);

    private static List<FuzzBase> FuzzBases()
    {
        var rng = new Random(99);
        byte[] Npy(NpyArray a) { var ms = new MemoryStream(); Data.Npz.Npy.Write(ms, a); return ms.ToArray(); }
        var mixed = new (string, byte[])[]
        {
            ("f4.npy", Npy(NpyRoundTripTests.MakeArray(NpyDType.Float32, [3, 4], 1))),
            ("i8.npy", Npy(NpyRoundTripTests.MakeArray(NpyDType.Int64, [5], 2))),
            ("b1.npy", Npy(NpyRoundTripTests.MakeArray(NpyDType.Bool, [2, 2], 3))),
            ("u1.npy", Npy(NpyRoundTripTests.MakeArray(NpyDType.UInt8, [], 4))),
        };
        var more = new (string, byte[])[]
        {
            ("f8.npy", Npy(NpyRoundTripTests.MakeArray(NpyDType.Float64, [2, 3, 2], 5))),
            ("i4.npy", Npy(NpyRoundTripTests.MakeArray(NpyDType.Int32, [0, 4], 6))),
            ("fortran.npy", NpyBytes(Dict("<f4", true, "(2, 3)"), LittleEndianBytes(1f, 4f, 2f, 5f, 3f, 6f))),
            ("big.npy", NpyBytes(Dict(">i4", false, "(3,)"), BigEndianBytes(1, 2, 3))),
            ("v2.npy", NpyBytes(Dict("<i8", false, "(2,)"), LittleEndianBytes(1L, 2L), 2)),
        };
        var large = new (string, byte[])[]
        {
            ("w/large.npy", Npy(NpyArray.Of(Enumerable.Range(0, 16384).Select(_ => (float)rng.NextDouble()).ToArray(), 128, 128))),
        };
        return
        [
            new("mixed-stored", false, mixed), new("mixed-deflated", true, mixed),
            new("more-stored", false, more), new("more-deflated", true, more),
            new("large-deflated", true, large), new("large-stored", false, [.. large, .. mixed]),
        ];
    }

    private static byte[] ReplaceHeaderValue(byte[] npy, string key, string replacement)
    {
        int headerLength = npy[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(npy.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(npy.AsSpan(8));
        int preamble = npy[6] == 1 ? 10 : 12;
        var header = Encoding.Latin1.GetString(npy, preamble, headerLength);
        int at = header.IndexOf($"'{key}': ", StringComparison.Ordinal) + key.Length + 4;
        int end = key == "shape" ? header.IndexOf(')', at) + 1 : header.IndexOf(',', at);
        var dict = header[..at] + replacement + header[end..].TrimEnd();
        return NpyBytes(dict.TrimEnd(), npy[(preamble + headerLength)..], npy[6]);
    }

    /// <summary>One random mutation; returns the mutated archive and a description for failure messages.</summary>
    private static (byte[] Bytes, string What) Mutate(FuzzBase b, Random rng)
    {
        var entries = b.Entries.Select(e => (e.Entry, (byte[])e.Npy.Clone())).ToArray();
        int pick = rng.Next(entries.Length);
        var npy = entries[pick].Item2;
        int kind = rng.Next(10);
        // A quarter of the .npy-level mutations also get a zip-level one.
        int zipKind = kind >= 5 ? kind : rng.Next(4) == 0 ? rng.Next(5, 10) : -1;
        string what;
        switch (kind)
        {
            case 0: // header length field
            {
                uint value = rng.Next(4) switch { 0 => 0, 1 => 0xFFFF, 2 => (uint)rng.Next(0, 200), _ => (uint)rng.Next() };
                if (npy[6] == 1) BinaryPrimitives.WriteUInt16LittleEndian(npy.AsSpan(8), (ushort)value);
                else BinaryPrimitives.WriteUInt32LittleEndian(npy.AsSpan(8), value);
                what = $"header length of {entries[pick].Entry} = {value}";
                break;
            }
            case 1:
            {
                var shape = rng.Next(3) == 0 ? $"({rng.NextInt64(long.MaxValue)}, {rng.Next(1, 1000)})" : HostileShapes[rng.Next(HostileShapes.Length)];
                entries[pick].Item2 = npy = ReplaceHeaderValue(npy, "shape", shape);
                what = $"shape of {entries[pick].Entry} = {shape}";
                break;
            }
            case 2:
            {
                var dtype = HostileDtypes[rng.Next(HostileDtypes.Length)];
                entries[pick].Item2 = npy = ReplaceHeaderValue(npy, "descr", dtype);
                what = $"dtype of {entries[pick].Entry} = {dtype}";
                break;
            }
            case 3: // bytes of the .npy changed
            {
                int flips = rng.Next(1, 6);
                for (int i = 0; i < flips; i++) npy[rng.Next(npy.Length)] = (byte)rng.Next(256);
                what = $"{flips} npy byte(s) of {entries[pick].Entry} changed";
                break;
            }
            case 4: // .npy truncated or extended
            {
                int cut = rng.Next(npy.Length + 16);
                entries[pick].Item2 = cut <= npy.Length ? npy[..cut] : [.. npy, .. new byte[cut - npy.Length]];
                what = $"npy {entries[pick].Entry} resized to {cut}";
                break;
            }
            default:
                what = "";
                break;
        }
        var zip = Zip(b.Compress, entries);
        string npyWhat = what;
        switch (zipKind)
        {
            case 5 or 6: // zip bytes changed
            {
                int flips = rng.Next(1, 9);
                for (int i = 0; i < flips; i++) zip[rng.Next(zip.Length)] = (byte)rng.Next(256);
                what = $"{flips} zip byte(s) changed";
                break;
            }
            case 7: // zip truncated
            {
                int cut = rng.Next(zip.Length);
                what = $"zip truncated to {cut} of {zip.Length}";
                zip = zip[..cut];
                break;
            }
            case 8: // local/central size fields
            {
                var headers = FindSignature(zip, rng.Next(2) == 0 ? LocalHeader : CentralHeader);
                int at = headers[rng.Next(headers.Count)];
                bool local = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) == LocalHeader;
                int field = (local ? 18 : 20) + 4 * rng.Next(2);
                uint value = rng.Next(5) switch { 0 => 0xFFFFFFFF, 1 => 0x7FFFFFFF, 2 => 0x40000000, 3 => (uint)rng.Next(0, 100_000), _ => 0 };
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(at + field), value);
                what = $"{(local ? "local" : "central")} size field +{field} = {value:X}";
                break;
            }
            case 9: // end-of-central-directory counts and offsets
            {
                var eocd = FindSignature(zip, EndOfCentralDirectory).Last();
                int field = new[] { 8, 10, 12, 16 }[rng.Next(4)];
                if (field <= 10) BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(eocd + field), (ushort)rng.Next(65536));
                else BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(eocd + field), (uint)rng.Next());
                what = $"EOCD field +{field} changed";
                break;
            }
        }
        if (zipKind >= 0 && kind < 5) what = npyWhat + "; " + what;
        return (zip, $"{b.Name}: {what}");
    }

    [Fact]
    public void FuzzedArchivesFailCleanlyQuicklyAndWithBoundedAllocation()
    {
        const int Cases = 2000;
        var bases = FuzzBases();
        foreach (var b in bases) Assert.Null(TryRead(Zip(b.Compress, b.Entries)).Error); // the bases are valid
        var rng = new Random(20240611);
        var sw = Stopwatch.StartNew();
        int succeeded = 0, rejected = 0;
        long maxAllocated = 0;
        for (int i = 0; i < Cases; i++)
        {
            var b = bases[rng.Next(bases.Count)];
            var (bytes, what) = Mutate(b, rng);
            var (error, allocated) = TryRead(bytes, what: $"case {i} ({what})");
            if (error is null) succeeded++;
            else if (error is NpyFormatException) rejected++;
            else Assert.Fail($"case {i} ({what}) threw {error.GetType().Name} instead of NpyFormatException: {error}");
            long bound = 64 * MiB + 4L * bytes.Length;
            Assert.True(allocated < bound, $"case {i} ({what}) allocated {allocated:N0} bytes (bound {bound:N0})");
            maxAllocated = Math.Max(maxAllocated, allocated);
        }
        output.WriteLine($"{Cases} cases in {sw.Elapsed.TotalSeconds:F1} s: {succeeded} read, {rejected} rejected, max allocation {maxAllocated:N0} bytes");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {sw.Elapsed}");
        Assert.True(rejected > Cases / 2, $"only {rejected} of {Cases} mutations were rejected");
    }
}
