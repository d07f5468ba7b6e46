using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.Disco;
using static TorchSharp.torch;

namespace Platform.Tests.UpdateRules;

/// <summary>Loading, refusing and writing meta-network files in the Disco103 layout.</summary>
public class DiscoWeightsTests
{
    private static Dictionary<string, NpyArray> Released() => new(Npz.Read(TestPaths.Disco103Weights));

    [Fact]
    public void ReleasedWeightsLoadWithEveryShapeChecked()
    {
        using var eta = DiscoMetaParameters.Load(TestPaths.Disco103Weights);
        Assert.Equal(42, eta.Specs.Count);
        Assert.Equal(754_778, eta.ParameterCount);
        Assert.Equal([283L, 1024L], eta["lstm/lstm/linear/w"].shape);
    }

    [Fact]
    public void ATransposedTensorIsRefusedByName()
    {
        var arrays = Released();
        var w = arrays["lstm/linear_2/w"];                                  // [256, 600]
        arrays["lstm/linear_2/w"] = new NpyArray(NpyDType.Float32, [600, 256], Transpose(w.ToFloat32(), 256, 600));
        var ex = Assert.Throws<MetaNetworkFormatException>(() => DiscoMetaParameters.FromArrays(arrays));
        Assert.Contains("'lstm/linear_2/w'", ex.Message);
        Assert.Contains("[600, 256]", ex.Message);
        Assert.Contains("[256, 600]", ex.Message);
    }

    [Fact]
    public void AMissingTensorIsRefusedByName()
    {
        var arrays = Released();
        arrays.Remove("lstm/~/meta_lstm/~unroll/lstm/linear/b");
        var ex = Assert.Throws<MetaNetworkFormatException>(() => DiscoMetaParameters.FromArrays(arrays));
        Assert.Contains("missing tensor 'lstm/~/meta_lstm/~unroll/lstm/linear/b'", ex.Message);
    }

    [Fact]
    public void AnUnknownTensorIsRefusedByName()
    {
        var arrays = Released();
        arrays["lstm/extra_head/w"] = NpyArray.Of(new float[4], 2, 2);
        var ex = Assert.Throws<MetaNetworkFormatException>(() => DiscoMetaParameters.FromArrays(arrays));
        Assert.Contains("'lstm/extra_head/w'", ex.Message);
    }

    [Fact]
    public void NonFiniteAndNonFloatTensorsAreRefused()
    {
        var arrays = Released();
        var data = arrays["lstm/linear_4/w"].ToFloat32();
        data[3] = float.NaN;
        arrays["lstm/linear_4/w"] = NpyArray.Of(data, 16, 1);
        Assert.Contains("NaN", Assert.Throws<MetaNetworkFormatException>(() => DiscoMetaParameters.FromArrays(arrays)).Message);

        arrays = Released();
        arrays["lstm/linear_4/b"] = NpyArray.Of(new int[1], 1);
        Assert.Contains("'lstm/linear_4/b'", Assert.Throws<MetaNetworkFormatException>(() => DiscoMetaParameters.FromArrays(arrays)).Message);
    }

    [Fact]
    public void AFileThatIsNotAnNpzIsRefusedWithAClearMessage()
    {
        string path = Path.Combine(Path.GetTempPath(), $"not-npz-{Guid.NewGuid():N}.npz");
        File.WriteAllText(path, "this is not a zip archive");
        try
        {
            var ex = Assert.Throws<MetaNetworkFormatException>(() => DiscoMetaParameters.Load(path));
            Assert.Contains("not a readable .npz", ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SavedWeightsEqualTheReleasedArraysBitForBit()
    {
        string path = Path.Combine(Path.GetTempPath(), $"disco-roundtrip-{Guid.NewGuid():N}.npz");
        try
        {
            using (var eta = DiscoMetaParameters.Load(TestPaths.Disco103Weights)) eta.Save(path);
            var original = Npz.Read(TestPaths.Disco103Weights);
            var written = Npz.Read(path);
            Assert.Equal(original.Keys.OrderBy(k => k), written.Keys.OrderBy(k => k));
            foreach (var (name, array) in original)
            {
                Assert.Equal(array.Shape, written[name].Shape);
                Assert.Equal(NpyDType.Float32, written[name].DType);
                Assert.Equal((float[])array.Data, (float[])written[name].Data);
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RandomInitialisationHasTheArchitectureShapes()
    {
        using var eta = DiscoMetaParameters.Random(seed: 7);
        Assert.Equal(754_778, eta.ParameterCount);
        Assert.Equal(0f, eta["lstm/linear_2/b"].abs().sum().item<float>());
        Assert.True(eta["lstm/linear_2/w"].std().item<float>() > 0.1f);
    }

    [Fact]
    public void AnActionBiasStartsOnlyThePolicyPathwaysBiasesThereAndKeepsTheWeights()
    {
        using var haiku = DiscoMetaParameters.Random(seed: 7);
        using var biased = DiscoMetaParameters.Random(seed: 7, actionBias: 0.25);
        var pathway = DiscoArchitecture.PolicyActionPathway.Select(p => p + "/b").ToHashSet();
        Assert.Equal(3, pathway.Count);
        foreach (var spec in haiku.Specs)
        {
            if (pathway.Contains(spec.Name))
            {
                Assert.True(biased[spec.Name].eq(0.25f).all().item<bool>(), spec.Name);
                Assert.Equal(0f, haiku[spec.Name].abs().sum().item<float>());
            }
            else
                Assert.True(haiku[spec.Name].eq(biased[spec.Name]).all().item<bool>(), spec.Name);  // weights, and the meta-RNN's own blocks
        }
    }

    [Fact]
    public void InputsOfTheWrongShapeAreRejectedBeforeAnyTensorOp()
    {
        const int t = 3, b = 2, a = 3, p = 600, n = 601;
        AgentOutputs Outs(int actions) => new(zeros(t + 1, b, actions), zeros(t + 1, b, p), zeros(t + 1, b, actions, p),
            zeros(t + 1, b, actions, actions), zeros(t + 1, b, actions, n));
        var good = new RuleInputs(Outs(a), Outs(a), zeros(t + 1, b, a), zeros(t, b), zeros(t, b), zeros(new long[] { t + 1, b }, dtype: int64));
        good.Validate(p, n);
        var wrongTarget = good with { TargetOut = Outs(a + 1) };
        Assert.Contains("target logits", Assert.Throws<ArgumentException>(() => wrongTarget.Validate(p, n)).Message);
        var badAction = good with { Actions = full(new long[] { t + 1, b }, a, dtype: int64) };
        Assert.Contains("actions must lie in", Assert.Throws<ArgumentException>(() => badAction.Validate(p, n)).Message);
    }

    private static float[] Transpose(float[] data, int rows, int cols)
    {
        var result = new float[data.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = data[r * cols + c];
        return result;
    }
}
