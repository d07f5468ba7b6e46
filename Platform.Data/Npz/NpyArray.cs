namespace Platform.Data.Npz;

/// <summary>
/// An n-dimensional array as stored in a .npy file: a dtype, a shape and the elements, flat, in C (row-major) order.
/// <see cref="Data"/> is the caller's array (not copied) and <see cref="Shape"/> must not be modified.
/// </summary>
public sealed class NpyArray
{
    /// <summary>The most dimensions an array may have (numpy 2's limit).</summary>
    public const int MaxDimensions = 64;

    /// <summary>
    /// Creates an array. <paramref name="data"/> must be the .NET array type of <paramref name="dtype"/>
    /// (float[], double[], int[], long[], bool[], byte[]) with exactly the product of <paramref name="shape"/>
    /// elements (1 for shape [], a 0-d array); the shape is copied, the data is not.
    /// </summary>
    public NpyArray(NpyDType dtype, long[] shape, Array data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (!Enum.IsDefined(dtype)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        if (shape.Length > MaxDimensions)
            throw new ArgumentException($"an array may have at most {MaxDimensions} dimensions, got {shape.Length}", nameof(shape));
        long length = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape {FormatShape(shape)} has a negative dimension", nameof(shape));
            try { length = checked(length * d); }
            catch (OverflowException) { throw new ArgumentException($"shape {FormatShape(shape)} has too many elements", nameof(shape)); }
        }
        var expected = NpyDTypes.ElementType(dtype);
        if (data.GetType() != expected.MakeArrayType())
            throw new ArgumentException($"dtype {dtype} needs a {expected.Name}[] but got {data.GetType().Name}", nameof(data));
        if (data.LongLength != length)
            throw new ArgumentException(
                $"data has {data.LongLength} elements but shape {FormatShape(shape)} needs {length}", nameof(data));
        DType = dtype;
        Shape = (long[])shape.Clone();
        Length = length;
        Data = data;
    }

    public NpyDType DType { get; }

    /// <summary>The dimensions; [] for a 0-d array. Do not modify.</summary>
    public long[] Shape { get; }

    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a 0-d array).</summary>
    public long Length { get; }

    /// <summary>The elements, flat, always in C (row-major) order: float[], double[], int[], long[], bool[] or byte[].</summary>
    public Array Data { get; }

    /// <summary>Number of bytes the elements take in a .npy file.</summary>
    public long ByteCount => Length * NpyDTypes.ItemSize(DType);

    // The shape is exactly what is passed: Of(data) with no dimensions is a 0-d array (data must hold one element).
    public static NpyArray Of(float[] data, params long[] shape) => new(NpyDType.Float32, shape, data);
    public static NpyArray Of(double[] data, params long[] shape) => new(NpyDType.Float64, shape, data);
    public static NpyArray Of(int[] data, params long[] shape) => new(NpyDType.Int32, shape, data);
    public static NpyArray Of(long[] data, params long[] shape) => new(NpyDType.Int64, shape, data);
    public static NpyArray Of(bool[] data, params long[] shape) => new(NpyDType.Bool, shape, data);
    public static NpyArray Of(byte[] data, params long[] shape) => new(NpyDType.UInt8, shape, data);

    /// <summary>A copy of the elements converted to float (bool becomes 0 or 1).</summary>
    public float[] ToFloat32() => Data switch
    {
        float[] a => (float[])a.Clone(),
        double[] a => Array.ConvertAll(a, v => (float)v),
        int[] a => Array.ConvertAll(a, v => (float)v),
        long[] a => Array.ConvertAll(a, v => (float)v),
        bool[] a => Array.ConvertAll(a, v => v ? 1f : 0f),
        byte[] a => Array.ConvertAll(a, v => (float)v),
        _ => throw new InvalidOperationException("unreachable: data type checked in the constructor"),
    };

    /// <summary>A copy of the elements converted to double (bool becomes 0 or 1).</summary>
    public double[] ToFloat64() => Data switch
    {
        float[] a => Array.ConvertAll(a, v => (double)v),
        double[] a => (double[])a.Clone(),
        int[] a => Array.ConvertAll(a, v => (double)v),
        long[] a => Array.ConvertAll(a, v => (double)v),
        bool[] a => Array.ConvertAll(a, v => v ? 1.0 : 0.0),
        byte[] a => Array.ConvertAll(a, v => (double)v),
        _ => throw new InvalidOperationException("unreachable: data type checked in the constructor"),
    };

    /// <summary>
    /// A copy of the elements converted to int. Floating values are truncated toward zero;
    /// NaN, infinities and values outside the int range throw <see cref="OverflowException"/>.
    /// </summary>
    public int[] ToInt32() => Data switch
    {
        float[] a => Array.ConvertAll(a, v => checked((int)v)),
        double[] a => Array.ConvertAll(a, v => checked((int)v)),
        int[] a => (int[])a.Clone(),
        long[] a => Array.ConvertAll(a, v => checked((int)v)),
        bool[] a => Array.ConvertAll(a, v => v ? 1 : 0),
        byte[] a => Array.ConvertAll(a, v => (int)v),
        _ => throw new InvalidOperationException("unreachable: data type checked in the constructor"),
    };

    public override string ToString() => $"NpyArray({NpyDTypes.Descr(DType)}, shape {FormatShape(Shape)})";

    /// <summary>Formats a shape the way Python prints a tuple: (), (5,), (3, 4).</summary>
    internal static string FormatShape(IReadOnlyList<long> shape) => shape.Count switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape) + ")",
    };
}
