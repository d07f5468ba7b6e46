using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Platform.Data.Npz;
using static Platform.Tests.Checkpoints.CheckpointTestFiles;

namespace Platform.Tests.Checkpoints;

/// <summary>Reads the released model weights, shared/weights/disco_103.npz (read-only).</summary>
public partial class ReleasedWeightsTests
{
    [Fact]
    public void ReadsAll42Float32Arrays()
    {
        var arrays = Npz.Read(WeightsPath());
        Assert.Equal(42, arrays.Count);
        Assert.All(arrays.Values, a => Assert.Equal(NpyDType.Float32, a.DType));
        Assert.Equal(754_778L, arrays.Values.Sum(a => a.Length));
        Assert.Equal(new long[] { 283, 1024 }, arrays["lstm/lstm/linear/w"].Shape);
        Assert.Equal("lstm/linear/b", arrays.Keys.First()); // zip order
        Assert.All(arrays.Values, a => Assert.All((float[])a.Data, v => Assert.True(float.IsFinite(v))));
    }

    /// <summary>
    /// Every Fortran-order array in the file, checked element by element against the raw column-major bytes:
    /// element (i0, i1, ...) of shape (d0, d1, ...) lies at i0 + d0*(i1 + d1*(...)) in the file.
    /// </summary>
    [Fact]
    public void FortranOrderArraysMatchTheirRawColumnMajorBytes()
    {
        var path = WeightsPath();
        var arrays = Npz.Read(path);
        using var zip = ZipFile.OpenRead(path);
        int fortranArrays = 0;
        foreach (var entry in zip.Entries)
        {
            var raw = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(raw);
            var bytes = raw.ToArray();
            Assert.Equal(1, bytes[6]);
            int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
            if (!header.Contains("'fortran_order': True")) continue;
            fortranArrays++;
            var shape = ShapePattern().Match(header).Groups[1].Value
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
            var ours = arrays[entry.FullName[..^4]];
            Assert.Equal(shape, ours.Shape);
            var c = (float[])ours.Data;
            int dataStart = 10 + headerLength;
            for (int flat = 0; flat < c.Length; flat++)
            {
                // C-order flat index -> multi-index -> Fortran offset.
                long rest = flat, fortranOffset = 0, stride = 1;
                var index = new long[shape.Length];
                for (int k = shape.Length - 1; k >= 0; k--) { index[k] = rest % shape[k]; rest /= shape[k]; }
                for (int k = 0; k < shape.Length; k++) { fortranOffset += index[k] * stride; stride *= shape[k]; }
                float expected = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (int)fortranOffset * 4));
                Assert.Equal(expected, c[flat]);
            }
        }
        Assert.True(fortranArrays >= 1, "expected Fortran-order arrays in disco_103.npz");
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
