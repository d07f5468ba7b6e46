using static TorchSharp.torch;

namespace Platform.Workers.UpdateRules;

/// <summary>State of a scalar exponential moving average of the first two moments (0-d tensors).</summary>
public sealed record EmaState(Tensor Moment1, Tensor Moment2, Tensor DecayProduct)
{
    public static EmaState Initial(Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new(zeros([], dtype: dtype, device: device), zeros([], dtype: dtype, device: device),
            ones([], dtype: dtype, device: device));

    public EmaState Detach() => new(Moment1.detach(), Moment2.detach(), DecayProduct.detach());
}

/// <summary>
/// Normalisation by moving averages of the mean and mean square, debiased as in Adam:
/// the rule normalises advantages and TD errors with it.
/// </summary>
public sealed record MovingAverage(double Decay = 0.99, double Eps = 1e-6, double RootEps = 1e-12)
{
    /// <summary>Folds the mean and mean square of all elements of <paramref name="x"/> into the state.</summary>
    public EmaState Update(EmaState state, Tensor x) => new(
        Decay * state.Moment1 + (1 - Decay) * x.mean(),
        Decay * state.Moment2 + (1 - Decay) * x.square().mean(),
        state.DecayProduct * Decay);

    /// <summary>(x − mean) / (√var + ε), or x / (√var + ε) without mean subtraction.</summary>
    public Tensor Normalize(EmaState state, Tensor x, bool subtractMean = true)
    {
        var debias = 1 / (1 - state.DecayProduct);
        var mean = state.Moment1 * debias;
        var variance = (state.Moment2 * debias - mean.square()).clamp_min(0);
        var scale = (variance + RootEps).sqrt() + Eps;
        return subtractMean ? (x - mean) / scale : x / scale;
    }
}
