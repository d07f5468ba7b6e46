using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Platform.Data.Npz;

/// <summary>
/// Reads and writes single arrays in numpy's .npy format (format versions 1.0, 2.0 and 3.0).
/// Reading is bounded: the header is at most <see cref="MaxHeaderBytes"/>, the data at most the caller's limit,
/// and nothing is allocated on a header's word alone beyond what the stream has shown it really holds
/// (when the stream's length is unknown, buffers grow as data actually arrives).
/// </summary>
public static class Npy
{
    /// <summary>The largest header (the dict text) accepted on read.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>When a stream's length is unknown, data buffers start this big and double as data arrives.</summary>
    private const int GrowthStartBytes = 1 << 20;

    private const int WriteChunkElements = 1 << 16;

    /// <summary>
    /// Reads one array from <paramref name="stream"/>, leaving the stream just after it.
    /// Fortran-order data is converted to C order; big-endian ('&gt;') data is byte-swapped.
    /// Throws <see cref="NpyFormatException"/> for malformed, unsupported or truncated input, and when the data
    /// would exceed <paramref name="maxDataBytes"/>. <paramref name="name"/> is used in error messages.
    /// </summary>
    public static NpyArray Read(Stream stream, long maxDataBytes = Npz.DefaultMaxArrayBytes, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDataBytes);
        long? available = null;
        if (stream.CanSeek)
        {
            try { available = Math.Max(0, stream.Length - stream.Position); }
            catch (NotSupportedException) { }
        }
        try
        {
            return ReadCore(stream, maxDataBytes, $"the limit of {maxDataBytes} bytes", name, available,
                availableIsReal: available is not null, requireEnd: false);
        }
        catch (InvalidDataException e)
        {
            // E.g. a DeflateStream over corrupt data.
            throw new NpyFormatException(name, $"corrupt data: {e.Message}", e);
        }
    }

    /// <summary>
    /// The reader. <paramref name="available"/> is how many bytes the stream holds from here, when known;
    /// <paramref name="availableIsReal"/> says whether that number is a fact (a seekable stream's length) or only
    /// a claim (a zip entry's declared size), in which case buffers grow with the data actually read.
    /// With <paramref name="requireEnd"/> the stream must end right after the array.
    /// </summary>
    internal static NpyArray ReadCore(Stream s, long maxDataBytes, string limitDescription, string? name,
        long? available, bool availableIsReal, bool requireEnd)
    {
        EnsureLittleEndianHost();
        Span<byte> pre = stackalloc byte[12];
        ReadExact(s, pre[..8], name, "the magic string and version");
        if (!pre[..6].SequenceEqual(Magic))
            throw new NpyFormatException(name, "not a .npy array: the magic string \\x93NUMPY is missing");
        byte major = pre[6], minor = pre[7];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new NpyFormatException(name, $"unsupported .npy format version {major}.{minor}"),
        };
        if (minor != 0) throw new NpyFormatException(name, $"unsupported .npy format version {major}.{minor}");
        ReadExact(s, pre.Slice(8, lengthBytes), name, "the header length");
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(pre.Slice(8, 2))
            : BinaryPrimitives.ReadUInt32LittleEndian(pre.Slice(8, 4));
        long consumed = 8 + lengthBytes;
        if (headerLength > MaxHeaderBytes)
            throw new NpyFormatException(name, $"header length {headerLength} exceeds the maximum of {MaxHeaderBytes} bytes");
        if (available is long avail && consumed + headerLength > avail)
            throw new NpyFormatException(name,
                $"header length {headerLength} goes beyond the end of the data ({avail} bytes in all)");

        var headerBytes = new byte[headerLength];
        ReadExact(s, headerBytes, name, "the header");
        consumed += headerLength;
        string headerText;
        try
        {
            headerText = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(headerBytes)
                : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new NpyFormatException(name, "the version 3.0 header is not valid UTF-8", e);
        }
        var header = NpyHeader.Parse(headerText, name);

        string shapeText = NpyArray.FormatShape(header.Shape);
        string descr = NpyDTypes.Descr(header.DType);
        long count = 1;
        if (header.Shape.Contains(0)) count = 0;
        else
            foreach (long d in header.Shape)
            {
                if (count > long.MaxValue / d)
                    throw new NpyFormatException(name, $"shape {shapeText} has more elements than can be counted");
                count *= d;
            }
        int itemSize = NpyDTypes.ItemSize(header.DType);
        if (count > long.MaxValue / itemSize)
            throw new NpyFormatException(name, $"shape {shapeText} of {descr} is too large");
        long dataBytes = count * itemSize;
        if (dataBytes > maxDataBytes)
            throw new NpyFormatException(name,
                $"array of shape {shapeText} and dtype '{descr}' needs {dataBytes} bytes, more than {limitDescription}");
        if (count > Array.MaxLength || dataBytes > Array.MaxLength)
            throw new NpyFormatException(name,
                $"array of shape {shapeText} and dtype '{descr}' ({dataBytes} bytes) is too large for one .NET array");
        if (available is long avail2 && dataBytes > avail2 - consumed)
            throw new NpyFormatException(name,
                $"data is truncated: the header claims shape {shapeText} of '{descr}' ({dataBytes} bytes) " +
                $"but only {Math.Max(0, avail2 - consumed)} bytes follow the header");

        int n = (int)count;
        bool preallocate = availableIsReal && available is not null;
        Array data = header.DType switch
        {
            NpyDType.Float32 => ReadElements<float>(s, n, preallocate, name, dataBytes),
            NpyDType.Float64 => ReadElements<double>(s, n, preallocate, name, dataBytes),
            NpyDType.Int32 => ReadElements<int>(s, n, preallocate, name, dataBytes),
            NpyDType.Int64 => ReadElements<long>(s, n, preallocate, name, dataBytes),
            NpyDType.UInt8 => ReadElements<byte>(s, n, preallocate, name, dataBytes),
            NpyDType.Bool => Array.ConvertAll(ReadElements<byte>(s, n, preallocate, name, dataBytes), b => b != 0),
            _ => throw new InvalidOperationException("unreachable"),
        };

        if (requireEnd)
        {
            Span<byte> one = stackalloc byte[1];
            if (s.Read(one) != 0)
                throw new NpyFormatException(name,
                    $"there is more data after the array than its header (shape {shapeText} of '{descr}', {dataBytes} bytes) accounts for");
        }

        if (header.BigEndian) SwapBytes(data);
        if (header.FortranOrder) data = FortranToC(data, header.Shape);
        return new NpyArray(header.DType, header.Shape, data);
    }

    /// <summary>
    /// Writes <paramref name="array"/> as a .npy: format version 1.0 (2.0 only if the header would not fit),
    /// little-endian, C order, with the header padded so the data starts at a multiple of 64 bytes.
    /// </summary>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        EnsureLittleEndianHost();
        string dict = $"{{'descr': '{NpyDTypes.Descr(array.DType)}', 'fortran_order': False, " +
                      $"'shape': {NpyArray.FormatShape(array.Shape)}, }}";
        byte major = 1;
        int preamble = 10;
        int headerLength = PaddedLength(preamble, dict.Length);
        if (headerLength > ushort.MaxValue)
        {
            major = 2;
            preamble = 12;
            headerLength = PaddedLength(preamble, dict.Length);
        }
        var head = new byte[preamble + headerLength];
        Magic.CopyTo(head);
        head[6] = major;
        head[7] = 0;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)headerLength);
        else BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), (uint)headerLength);
        var body = head.AsSpan(preamble);
        body.Fill((byte)' ');
        Encoding.ASCII.GetBytes(dict, body);
        body[^1] = (byte)'\n';
        stream.Write(head);

        switch (array.Data)
        {
            case float[] a: WriteElements<float>(stream, a); break;
            case double[] a: WriteElements<double>(stream, a); break;
            case int[] a: WriteElements<int>(stream, a); break;
            case long[] a: WriteElements<long>(stream, a); break;
            case byte[] a: WriteElements<byte>(stream, a); break;
            case bool[] a:
                var chunk = new byte[Math.Min(a.Length, WriteChunkElements)];
                for (int i = 0; i < a.Length; i += chunk.Length)
                {
                    int m = Math.Min(chunk.Length, a.Length - i);
                    for (int j = 0; j < m; j++) chunk[j] = a[i + j] ? (byte)1 : (byte)0;
                    stream.Write(chunk, 0, m);
                }
                break;
            default: throw new InvalidOperationException("unreachable: data type checked by NpyArray");
        }
    }

    /// <summary>Header length (dict + spaces + '\n') so that preamble + header is a multiple of 64.</summary>
    private static int PaddedLength(int preamble, int dictLength)
    {
        int unpadded = preamble + dictLength + 1;
        int total = (unpadded + 63) / 64 * 64;
        return total - preamble;
    }

    private static void WriteElements<T>(Stream stream, T[] a) where T : unmanaged
    {
        for (int i = 0; i < a.Length; i += WriteChunkElements)
            stream.Write(MemoryMarshal.AsBytes(a.AsSpan(i, Math.Min(WriteChunkElements, a.Length - i))));
    }

    private static void ReadExact(Stream s, Span<byte> buffer, string? name, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int r = s.Read(buffer[done..]);
            if (r <= 0)
                throw new NpyFormatException(name, $"truncated: the data ends inside {what} ({done} of {buffer.Length} bytes present)");
            done += r;
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> elements. Unless the stream is known to hold them (<paramref name="preallocate"/>),
    /// the buffer starts small and doubles only as bytes actually arrive, so a lying header cannot make us allocate.
    /// </summary>
    private static T[] ReadElements<T>(Stream s, int count, bool preallocate, string? name, long totalBytes) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        int initial = preallocate ? count : Math.Min(count, GrowthStartBytes / size);
        var buffer = new T[initial];
        long filled = 0;
        while (filled < totalBytes)
        {
            if (filled == (long)buffer.Length * size)
                Array.Resize(ref buffer, (int)Math.Min(count, Math.Max(1L, (long)buffer.Length * 2)));
            var span = MemoryMarshal.AsBytes(buffer.AsSpan())[(int)filled..];
            int r = s.Read(span);
            if (r <= 0)
                throw new NpyFormatException(name,
                    $"data is truncated: the header claims {totalBytes.ToString(CultureInfo.InvariantCulture)} bytes but only {filled} are present");
            filled += r;
        }
        return buffer;
    }

    private static void SwapBytes(Array data)
    {
        switch (data)
        {
            case float[] a: { var v = MemoryMarshal.Cast<float, int>(a.AsSpan()); BinaryPrimitives.ReverseEndianness(v, v); break; }
            case double[] a: { var v = MemoryMarshal.Cast<double, long>(a.AsSpan()); BinaryPrimitives.ReverseEndianness(v, v); break; }
            case int[] a: BinaryPrimitives.ReverseEndianness(a, a); break;
            case long[] a: BinaryPrimitives.ReverseEndianness(a, a); break;
            default: break; // one-byte types have no byte order
        }
    }

    private static Array FortranToC(Array data, long[] shape) => data switch
    {
        float[] a => FortranToC(a, shape),
        double[] a => FortranToC(a, shape),
        int[] a => FortranToC(a, shape),
        long[] a => FortranToC(a, shape),
        bool[] a => FortranToC(a, shape),
        byte[] a => FortranToC(a, shape),
        _ => throw new InvalidOperationException("unreachable"),
    };

    /// <summary>
    /// Reorders column-major data into row-major. In Fortran order element (i0, ..., ik) sits at
    /// i0 + d0*(i1 + d1*(i2 + ...)); we walk the C-order indices like an odometer and track that offset.
    /// </summary>
    private static T[] FortranToC<T>(T[] src, long[] shape)
    {
        int nd = shape.Length;
        if (src.Length <= 1 || shape.Count(d => d > 1) <= 1) return src; // same layout either way
        var fortranStride = new long[nd];
        long stride = 1;
        for (int k = 0; k < nd; k++) { fortranStride[k] = stride; stride *= shape[k]; }
        var index = new long[nd];
        var dst = new T[src.Length];
        long offset = 0;
        for (int c = 0; c < dst.Length; c++)
        {
            dst[c] = src[offset];
            for (int k = nd - 1; k >= 0; k--)
            {
                index[k]++;
                offset += fortranStride[k];
                if (index[k] < shape[k]) break;
                offset -= fortranStride[k] * shape[k];
                index[k] = 0;
            }
        }
        return dst;
    }

    private static void EnsureLittleEndianHost()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException(".npy reading and writing assume a little-endian machine");
    }
}
