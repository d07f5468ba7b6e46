using System.Buffers.Binary;
using System.Text;
using Platform.Data.Npz;
using static Platform.Tests.Checkpoints.CheckpointTestFiles;

namespace Platform.Tests.Checkpoints;

public class NpyRoundTripTests
{
    private static readonly long[][] Shapes = [[], [5], [2, 3, 4], [0], [3, 0, 2]];

    public static TheoryData<NpyDType, int, bool> Cases()
    {
        var data = new TheoryData<NpyDType, int, bool>();
        foreach (var t in Enum.GetValues<NpyDType>())
            for (int s = 0; s < Shapes.Length; s++)
                foreach (bool compress in new[] { false, true })
                    data.Add(t, s, compress);
        return data;
    }

    /// <summary>Deterministic test values of every dtype, including extremes.</summary>
    public static NpyArray MakeArray(NpyDType t, long[] shape, int seed)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var rng = new Random(seed);
        Array data = t switch
        {
            NpyDType.Float32 => Enumerable.Range(0, (int)n).Select(i => i == 1 ? float.MaxValue : (float)(rng.NextDouble() * 200 - 100)).ToArray(),
            NpyDType.Float64 => Enumerable.Range(0, (int)n).Select(i => i == 1 ? double.Epsilon : rng.NextDouble() * 2e10 - 1e10).ToArray(),
            NpyDType.Int32 => Enumerable.Range(0, (int)n).Select(i => i == 1 ? int.MinValue : rng.Next(int.MinValue, int.MaxValue)).ToArray(),
            NpyDType.Int64 => Enumerable.Range(0, (int)n).Select(i => i == 1 ? long.MaxValue : rng.NextInt64(long.MinValue, long.MaxValue)).ToArray(),
            NpyDType.Bool => Enumerable.Range(0, (int)n).Select(_ => rng.Next(2) == 1).ToArray(),
            NpyDType.UInt8 => Enumerable.Range(0, (int)n).Select(i => i == 1 ? (byte)255 : (byte)rng.Next(256)).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(t)),
        };
        return new NpyArray(t, shape, data);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTripsThroughNpz(NpyDType dtype, int shapeIndex, bool compress)
    {
        var shape = Shapes[shapeIndex];
        var original = MakeArray(dtype, shape, 17 + shapeIndex);
        var other = MakeArray(NpyDType.Float32, [2, 2], 3);
        var bytes = NpzBytes(compress, ("z/first", original), ("a_second", other));

        // Stored like np.savez (method 0) or deflated like np.savez_compressed (method 8).
        foreach (int at in FindSignature(bytes, LocalHeader))
            Assert.Equal(compress ? 8 : 0, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 8)));

        var read = Npz.Read(new MemoryStream(bytes));
        Assert.Equal(["z/first", "a_second"], read.Keys.ToArray()); // zip order, not sorted
        var back = read["z/first"];
        Assert.Equal(dtype, back.DType);
        Assert.Equal(shape, back.Shape);
        Assert.Equal(original.Length, back.Length);
        Assert.Equal(original.Data, back.Data);
        Assert.Equal(other.Data, read["a_second"].Data);
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 7 })]
    [InlineData(new long[] { 2, 3, 4 })]
    [InlineData(new long[] { 0, 5 })]
    public void NpyWriteAlignsDataAt64AndReadsBack(long[] shape)
    {
        var original = MakeArray(NpyDType.Float64, shape, 5);
        var ms = new MemoryStream();
        Npy.Write(ms, original);
        var bytes = ms.ToArray();
        Assert.Equal(1, bytes[6]);
        Assert.Equal(0, bytes[7]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal((byte)'\n', bytes[10 + headerLength - 1]);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength).TrimEnd();
        Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': ", header);
        Assert.Equal(10 + headerLength + original.Length * 8, bytes.Length);

        var back = Npy.Read(new MemoryStream(bytes));
        Assert.Equal(shape, back.Shape);
        Assert.Equal(original.Data, back.Data);
    }

    [Fact]
    public void ReadsNpzFromANonSeekableStream()
    {
        var original = MakeArray(NpyDType.Int32, [4, 5], 8);
        var bytes = NpzBytes(true, ("x", original));
        var read = Npz.Read(new NpyHeaderTests.NonSeekableStream(bytes));
        Assert.Equal(original.Data, read["x"].Data);
        // Bounded: an archive bigger than the total limit (plus slack for headers) is refused while copying.
        var e = Assert.Throws<NpyFormatException>(() =>
            Npz.Read(new NpyHeaderTests.NonSeekableStream(new byte[65 << 20]), new NpzReadLimits(MaxTotalBytes: 0)));
        Assert.Contains("larger than", e.Message);
    }

    [Fact]
    public void ConsecutiveArraysCanBeReadFromOneStream()
    {
        var ms = new MemoryStream();
        Npy.Write(ms, NpyArray.Of(new[] { 1, 2, 3 }, 3));
        Npy.Write(ms, NpyArray.Of(new[] { true }));
        ms.Position = 0;
        Assert.Equal(new[] { 1, 2, 3 }, Npy.Read(ms).Data);
        var scalar = Npy.Read(ms);
        Assert.Empty(scalar.Shape);
        Assert.Equal(new[] { true }, scalar.Data);
    }

    [Fact]
    public void AtomicFileWriteReplacesAndLeavesNoTemporaryFiles()
    {
        var dir = Directory.CreateTempSubdirectory("npz-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "ckpt.npz");
            Npz.Write(path, [KeyValuePair.Create("a", NpyArray.Of(new[] { 1f, 2f }, 2))]);
            Npz.Write(path, [KeyValuePair.Create("b", NpyArray.Of(new[] { 3.0 }, 1))], compress: true);
            Assert.Equal(["ckpt.npz"], dir.GetFiles().Select(f => f.Name).ToArray());
            var read = Npz.Read(path);
            Assert.Equal(["b"], read.Keys.ToArray());
            Assert.Equal(new[] { 3.0 }, read["b"].Data);

            // A failing write (duplicate key) leaves the old file and no temporary file behind.
            Assert.Throws<ArgumentException>(() => Npz.Write(path,
                [KeyValuePair.Create("x", NpyArray.Of(new[] { 1 }, 1)), KeyValuePair.Create("x", NpyArray.Of(new[] { 2 }, 1))]));
            Assert.Equal(["ckpt.npz"], dir.GetFiles().Select(f => f.Name).ToArray());
            Assert.Equal(["b"], Npz.Read(path).Keys.ToArray());
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void NpyArrayValidatesAndConverts()
    {
        Assert.Throws<ArgumentException>(() => NpyArray.Of(new[] { 1f, 2f, 3f }, 2, 2));
        Assert.Throws<ArgumentException>(() => NpyArray.Of(new[] { 1f, 2f }));      // no dims = 0-d = one element
        Assert.Throws<ArgumentException>(() => new NpyArray(NpyDType.Float64, [1], new float[1]));
        Assert.Throws<ArgumentException>(() => new NpyArray(NpyDType.Int32, [-1], new int[0]));
        var scalar = NpyArray.Of(new[] { 2.5f });
        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.Length);

        var ints = NpyArray.Of(new long[] { -3, 4 }, 2);
        Assert.Equal(new[] { -3f, 4f }, ints.ToFloat32());
        Assert.Equal(new[] { -3.0, 4.0 }, ints.ToFloat64());
        Assert.Equal(new[] { -3, 4 }, ints.ToInt32());
        Assert.Equal(new[] { 1, 0 }, NpyArray.Of(new[] { true, false }, 2).ToInt32());
        Assert.Equal(new[] { -2, 2 }, NpyArray.Of(new[] { -2.7, 2.7 }, 2).ToInt32());
        Assert.Throws<OverflowException>(() => NpyArray.Of(new[] { double.NaN }, 1).ToInt32());
        Assert.Throws<OverflowException>(() => NpyArray.Of(new[] { 1L << 40 }, 1).ToInt32());
        var f = new[] { 1f };
        var copy = NpyArray.Of(f, 1).ToFloat32();
        copy[0] = 9;
        Assert.Equal(1f, f[0]);
    }
}
