using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Tests.UpdateRules;

namespace Platform.Tests.Checkpoints;

/// <summary>Uploads are read with limits from the Disco103 layout: the released weights fit, a deflate bomb does not.</summary>
public class MetaNetworkReadLimitsTests
{
    [Fact]
    public void TheReleasedWeightsFitAndAHighlyCompressibleExtraArrayIsRefusedBeforeItIsInflated()
    {
        var limits = MetaNetworkValidator.ReadLimits();
        var released = Npz.Read(TestPaths.Disco103Weights, limits);
        MetaNetworkValidator.Validate(released);
        // Nothing beyond the layout at float64: a few MB, not the 64 MB upload cap.
        Assert.InRange(limits.MaxTotalBytes, 1, 2 * released.Values.Sum(a => a.Shape.Aggregate(1L, (x, y) => x * y)) * sizeof(float) + 1);

        // 64 MB of zeros compresses to ~64 KB: refused as too large, never inflated to its declared size.
        var arrays = new Dictionary<string, NpyArray>(released) { ["bomb"] = NpyArray.Of(new float[16 * 1024 * 1024], 16 * 1024 * 1024) };
        arrays.Remove(arrays.Keys.First());
        using var file = new MemoryStream();
        Npz.Write(file, arrays, compress: true);
        Assert.True(file.Length < new FileInfo(TestPaths.Disco103Weights).Length + 512 * 1024, $"the file is {file.Length} bytes compressed");
        file.Position = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<NpyFormatException>(() => Npz.Read(file, limits));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 32L * 1024 * 1024, "the refused bomb was inflated");
    }
}
