using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers.UpdateRules.Disco;

/// <summary>
/// The meta-parameters η of a Disco rule: one tensor per array of the released .npz, by name.
/// Loading checks every name, shape, dtype and value against <see cref="DiscoArchitecture"/>;
/// saving writes the same names, shapes and dtype (float32), so the reference code loads it.
/// </summary>
public sealed class DiscoMetaParameters : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    public DiscoArchitecture Architecture { get; }
    public IReadOnlyList<MetaParameterSpec> Specs { get; }

    private DiscoMetaParameters(DiscoArchitecture architecture, Dictionary<string, Tensor> tensors)
    {
        Architecture = architecture;
        Specs = architecture.Parameters();
        _tensors = tensors;
    }

    public Tensor this[string name] => _tensors.TryGetValue(name, out var t)
        ? t : throw new KeyNotFoundException($"no meta-parameter named '{name}'");

    /// <summary>Tensors in the canonical (file) order.</summary>
    public IReadOnlyList<Tensor> Tensors => Specs.Select(s => _tensors[s.Name]).ToList();

    public long ParameterCount => Specs.Sum(s => s.Count);

    public Device Device => _tensors.Values.First().device;

    public ScalarType DType => _tensors.Values.First().dtype;

    /// <summary>Loads and validates a meta-network .npz (the released Disco103 layout).</summary>
    public static DiscoMetaParameters Load(string path, DiscoArchitecture? architecture = null, Device? device = null)
    {
        IReadOnlyDictionary<string, NpyArray> arrays;
        try
        {
            arrays = Npz.Read(path);
        }
        catch (NpyFormatException ex)
        {
            throw new MetaNetworkFormatException($"'{Path.GetFileName(path)}' is not a readable .npz file: {ex.Message}", ex);
        }
        return FromArrays(arrays, architecture, device);
    }

    /// <summary>Validates arrays against the architecture and copies them into tensors.</summary>
    public static DiscoMetaParameters FromArrays(
        IReadOnlyDictionary<string, NpyArray> arrays, DiscoArchitecture? architecture = null, Device? device = null)
    {
        architecture ??= DiscoArchitecture.Disco103;
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (spec, data) in MetaNetworkValidator.Validate(arrays, architecture))
            tensors[spec.Name] = tensor(data, spec.Shape, dtype: float32, device: device);
        return new DiscoMetaParameters(architecture, tensors);
    }

    /// <summary>
    /// Fresh meta-parameters as Haiku would initialise them (truncated normal weights, zero biases). A positive
    /// <paramref name="actionBias"/> starts the biases of π̂'s per-action pathway (<see cref="DiscoArchitecture.PolicyActionPathway"/>)
    /// there instead, so its ReLU units begin on; the weights, and so the random stream, are the same for every bias.
    /// </summary>
    public static DiscoMetaParameters Random(long seed, DiscoArchitecture? architecture = null, Device? device = null, double actionBias = 0)
    {
        architecture ??= DiscoArchitecture.Disco103;
        using var generator = new Generator((ulong)seed);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var spec in architecture.Parameters())
        {
            var t = spec.Role == ParameterRole.Bias
                ? full(spec.Shape, DiscoArchitecture.PolicyActionPathway.Any(p => spec.Name == p + "/b") ? actionBias : 0.0, dtype: float32)
                : TensorInit.TruncatedNormal(spec.Shape, spec.InitStddev, generator);
            tensors[spec.Name] = device is null ? t : t.to(device);
        }
        return new DiscoMetaParameters(architecture, tensors);
    }

    /// <summary>The arrays in file order, as float32 numpy arrays.</summary>
    public IReadOnlyList<KeyValuePair<string, NpyArray>> ToArrays() => Specs
        .Select(s => KeyValuePair.Create(s.Name,
            new NpyArray(NpyDType.Float32, s.Shape, _tensors[s.Name].detach().cpu().contiguous().data<float>().ToArray())))
        .ToList();

    /// <summary>Writes the Disco103 .npz layout atomically.</summary>
    public void Save(string path) => Npz.Write(path, ToArrays());

    /// <summary>A copy whose tensors are leaves that record gradients (for meta-gradients).</summary>
    public DiscoMetaParameters CloneRequiringGrad(bool requiresGrad = true) => new(Architecture,
        _tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().requires_grad_(requiresGrad)));

    public DiscoMetaParameters To(Device device) => new(Architecture,
        _tensors.ToDictionary(kv => kv.Key, kv => kv.Value.to(device)));

    /// <summary>A copy in another floating-point type (float64 serves as an exact reference in parity checks).</summary>
    public DiscoMetaParameters To(ScalarType dtype) => new(Architecture,
        _tensors.ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(dtype)));

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
    }
}
