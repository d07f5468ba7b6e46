namespace Platform.Data.Npz;

/// <summary>The element types the checkpoint format supports (numpy '&lt;f4', '&lt;f8', '&lt;i4', '&lt;i8', '|b1', '|u1').</summary>
public enum NpyDType { Float32, Float64, Int32, Int64, Bool, UInt8 }

/// <summary>Facts about each <see cref="NpyDType"/>: item size, .NET element type, numpy descr.</summary>
internal static class NpyDTypes
{
    public static int ItemSize(NpyDType t) => t switch
    {
        NpyDType.Float32 or NpyDType.Int32 => 4,
        NpyDType.Float64 or NpyDType.Int64 => 8,
        NpyDType.Bool or NpyDType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    public static Type ElementType(NpyDType t) => t switch
    {
        NpyDType.Float32 => typeof(float),
        NpyDType.Float64 => typeof(double),
        NpyDType.Int32 => typeof(int),
        NpyDType.Int64 => typeof(long),
        NpyDType.Bool => typeof(bool),
        NpyDType.UInt8 => typeof(byte),
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    /// <summary>The descr numpy itself writes for this type (little-endian, or '|' for one-byte types).</summary>
    public static string Descr(NpyDType t) => t switch
    {
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        NpyDType.Int32 => "<i4",
        NpyDType.Int64 => "<i8",
        NpyDType.Bool => "|b1",
        NpyDType.UInt8 => "|u1",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown dtype"),
    };

    /// <summary>
    /// Parses a numpy descr string. Byte-order prefixes: '&lt;', '|' and '=' mean little-endian (the only
    /// byte order .NET runs on here); '&gt;' means big-endian and is accepted, the data is byte-swapped on read.
    /// A prefix is required. Returns false for anything else.
    /// </summary>
    public static bool TryParseDescr(string descr, out NpyDType type, out bool bigEndian)
    {
        type = default;
        bigEndian = false;
        if (descr.Length != 3) return false;
        char order = descr[0];
        if (order is not ('<' or '>' or '|' or '=')) return false;
        switch (descr.AsSpan(1))
        {
            case "f4": type = NpyDType.Float32; break;
            case "f8": type = NpyDType.Float64; break;
            case "i4": type = NpyDType.Int32; break;
            case "i8": type = NpyDType.Int64; break;
            case "b1": type = NpyDType.Bool; break;
            case "u1": type = NpyDType.UInt8; break;
            default: return false;
        }
        bigEndian = order == '>' && ItemSize(type) > 1;
        return true;
    }
}
