using Platform.Data.Npz;

namespace Platform.Data.MetaNetworks;

/// <summary>
/// Checks a set of arrays against the meta-network architecture without touching TorchSharp (the API validates
/// uploads with it): every name present and known, every shape and dtype right, every value finite.
/// </summary>
public static class MetaNetworkValidator
{
    /// <summary>
    /// Read limits for a file that claims to be a meta-network of <paramref name="architecture"/>: no array larger, no more
    /// bytes in all and no more entries than the layout has (float64 allowed), so a hostile upload (a deflate bomb, a
    /// header declaring a huge shape) is refused after inflating at most the layout's size.
    /// </summary>
    public static NpzReadLimits ReadLimits(DiscoArchitecture? architecture = null)
    {
        var specs = (architecture ?? DiscoArchitecture.Disco103).Parameters();
        const long bytesPerValue = sizeof(double);
        return new NpzReadLimits(MaxArrayBytes: specs.Max(s => s.Count) * bytesPerValue, MaxTotalBytes: specs.Sum(s => s.Count) * bytesPerValue,
            MaxEntries: specs.Count);
    }

    /// <summary>The arrays as float32 data in the architecture's order, or a <see cref="MetaNetworkFormatException"/> naming the tensor.</summary>
    public static IReadOnlyList<(MetaParameterSpec Spec, float[] Data)> Validate(
        IReadOnlyDictionary<string, NpyArray> arrays, DiscoArchitecture? architecture = null)
    {
        var specs = (architecture ?? DiscoArchitecture.Disco103).Parameters();
        var known = specs.Select(s => s.Name).ToHashSet();
        foreach (var name in arrays.Keys)
            if (!known.Contains(name))
                throw new MetaNetworkFormatException(
                    $"unexpected tensor '{name}': it is not part of the Disco meta-network architecture");

        var result = new List<(MetaParameterSpec, float[])>();
        foreach (var spec in specs)
        {
            if (!arrays.TryGetValue(spec.Name, out var array))
                throw new MetaNetworkFormatException(
                    $"missing tensor '{spec.Name}' (the architecture needs shape {spec.ShapeText})");
            if (!array.Shape.SequenceEqual(spec.Shape))
                throw new MetaNetworkFormatException(
                    $"tensor '{spec.Name}' has shape [{string.Join(", ", array.Shape)}]; the architecture needs {spec.ShapeText}");
            if (array.DType is not (NpyDType.Float32 or NpyDType.Float64))
                throw new MetaNetworkFormatException(
                    $"tensor '{spec.Name}' has dtype {array.DType}; a float32 array is needed");
            float[] data = array.ToFloat32();
            if (!data.All(float.IsFinite))
                throw new MetaNetworkFormatException($"tensor '{spec.Name}' contains NaN or infinite values");
            result.Add((spec, data));
        }
        return result;
    }
}
