using System.Buffers.Binary;
using Platform.Data.Npz;
using static Platform.Tests.Checkpoints.CheckpointTestFiles;

namespace Platform.Tests.Checkpoints;

/// <summary>Hand-made .npy bytes: Fortran order, versions 2.0/3.0, big-endian data, and a strict header parser.</summary>
public class NpyHeaderTests
{
    private static NpyArray ReadNpy(byte[] bytes) => Npy.Read(new MemoryStream(bytes), name: "x.npy");

    [Fact]
    public void FortranOrder2x3IsConvertedToCOrder()
    {
        // C order [[1,2,3],[4,5,6]]; column-major storage walks down the columns: 1,4,2,5,3,6.
        var bytes = NpyBytes(Dict("<f4", true, "(2, 3)"), LittleEndianBytes(1f, 4f, 2f, 5f, 3f, 6f));
        var a = ReadNpy(bytes);
        Assert.Equal(new long[] { 2, 3 }, a.Shape);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, a.Data);
    }

    [Fact]
    public void FortranOrder2x3x2IsConvertedToCOrder()
    {
        // a[i,j,k] = 6i + 2j + k (so C order is 0..11). Fortran storage: i fastest, then j, then k.
        var fortran = new[] { 0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11 };
        var a = ReadNpy(NpyBytes(Dict("<i4", true, "(2, 3, 2)"), LittleEndianBytes(fortran)));
        Assert.Equal(new long[] { 2, 3, 2 }, a.Shape);
        Assert.Equal(Enumerable.Range(0, 12).ToArray(), a.Data);

        // The same, big-endian int64 and in a compressed .npz.
        var zip = Zip(true, ("w.npy", NpyBytes(Dict(">i8", true, "(2, 3, 2)"), BigEndianBytes(fortran.Select(v => (long)v).ToArray()))));
        Assert.Equal(Enumerable.Range(0, 12).Select(v => (long)v).ToArray(), Npz.Read(new MemoryStream(zip))["w"].Data);
    }

    [Fact]
    public void FortranOrderWithUnitAndZeroDimensions()
    {
        Assert.Equal(new[] { 1.0, 2.0, 3.0 }, ReadNpy(NpyBytes(Dict("<f8", true, "(1, 3)"), LittleEndianBytes(1.0, 2.0, 3.0))).Data);
        Assert.Equal(new[] { 9.0 }, ReadNpy(NpyBytes(Dict("<f8", true, "()"), LittleEndianBytes(9.0))).Data);
        Assert.Empty(ReadNpy(NpyBytes(Dict("<f8", true, "(0, 3)"), [])).Data);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ReadsHeaderVersions2And3(int major)
    {
        var a = ReadNpy(NpyBytes(Dict("<i8", false, "(2, 2)"), LittleEndianBytes(1L, -2L, 3L, long.MinValue), major));
        Assert.Equal(new long[] { 2, 2 }, a.Shape);
        Assert.Equal(new[] { 1L, -2L, 3L, long.MinValue }, a.Data);
    }

    [Fact]
    public void Version3HeaderMustBeUtf8()
    {
        var bytes = NpyBytes(Dict("<i8", false, "(1,)"), LittleEndianBytes(1L), 3);
        bytes[12 + 3] = 0xFF; // inside 'descr'
        var e = Assert.Throws<NpyFormatException>(() => ReadNpy(bytes));
        Assert.Contains("UTF-8", e.Message);
    }

    [Theory]
    [InlineData(">f4")]
    [InlineData(">f8")]
    [InlineData(">i4")]
    [InlineData(">i8")]
    public void BigEndianDataIsByteSwapped(string descr)
    {
        byte[] data = descr[2] == '4'
            ? (descr[1] == 'f' ? BigEndianBytes(1.5f, -2f) : BigEndianBytes(1, -2))
            : (descr[1] == 'f' ? BigEndianBytes(1.5, -2.0) : BigEndianBytes(1L, -2L));
        var a = ReadNpy(NpyBytes(Dict(descr, false, "(2,)"), data));
        Assert.Equal(new[] { 1.5, -2.0 }.Select(v => descr[1] == 'f' ? v : Math.Truncate(v)).ToArray(), a.ToFloat64());
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData("{'descr':'<f4','fortran_order':False,'shape':(2,)}")]
    [InlineData("{ \"shape\" : ( 2 , ) , \"descr\" : \"=f4\" , \"fortran_order\" : False }")]
    [InlineData("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }\t\r")]
    public void AcceptsHeaderSpellings(string dict)
    {
        var a = ReadNpy(NpyBytes(dict, LittleEndianBytes(1f, 2f)));
        Assert.Equal(new[] { 1f, 2f }, a.Data);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unknown key 'extra'")]
    [InlineData("{'descr': '<f4', 'shape': (2,)}", "missing key 'fortran_order'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "duplicate key 'descr'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "after the header dict")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }}", "after the header dict")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "negative dimension")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "too large")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", "must be a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", "must be a tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }", "malformed number")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "header")]
    [InlineData("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", "header")]
    [InlineData("['descr', '<f4']", "expected '{'")]
    [InlineData("", "expected '{'")]
    [InlineData("{1: 2}", "not a string")]
    [InlineData("{'descr': f4, 'fortran_order': False, 'shape': (2,), }", "unexpected text")]
    public void RejectsMalformedHeaders(string dict, string expected)
    {
        var e = Assert.Throws<NpyFormatException>(() => ReadNpy(NpyBytes(dict, LittleEndianBytes(1f, 2f))));
        Assert.Contains(expected, e.Message);
        Assert.Contains("x.npy", e.Message);
    }

    [Theory]
    [InlineData("'<c8'", "<c8")]
    [InlineData("'|O'", "|O")]
    [InlineData("'<U10'", "<U10")]
    [InlineData("'<f2'", "<f2")]
    [InlineData("'f4'", "f4")]
    [InlineData("'<u4'", "<u4")]
    [InlineData("[('a', '<f4'), ('b', '<i4')]", "[('a', '<f4'), ('b', '<i4')]")]
    public void RejectsUnsupportedDtypesNamingTheEntry(string descrLiteral, string shown)
    {
        var dict = $"{{'descr': {descrLiteral}, 'fortran_order': False, 'shape': (2,), }}";
        var zip = Zip(false, ("weights/w.npy", NpyBytes(dict, new byte[64])));
        var e = Assert.Throws<NpyFormatException>(() => Npz.Read(new MemoryStream(zip)));
        Assert.Contains($"unsupported dtype '{shown}'", e.Message);
        Assert.Contains("weights/w.npy", e.Message);
        Assert.Equal("weights/w.npy", e.EntryName);
    }

    [Fact]
    public void RejectsBadMagicAndVersions()
    {
        var good = NpyBytes(Dict("<f4", false, "(1,)"), LittleEndianBytes(1f));
        var badMagic = (byte[])good.Clone();
        badMagic[1] = (byte)'n';
        Assert.Contains("magic", Assert.Throws<NpyFormatException>(() => ReadNpy(badMagic)).Message);
        foreach (var (major, minor) in new[] { (4, 0), (0, 0), (1, 1) })
        {
            var v = (byte[])good.Clone();
            v[6] = (byte)major;
            v[7] = (byte)minor;
            Assert.Contains($"version {major}.{minor}", Assert.Throws<NpyFormatException>(() => ReadNpy(v)).Message);
        }
    }

    [Fact]
    public void RejectsHeaderLengthBeyondTheStream()
    {
        var bytes = NpyBytes(Dict("<f4", false, "(1,)"), LittleEndianBytes(1f));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 60000);
        Assert.Contains("beyond the end", Assert.Throws<NpyFormatException>(() => ReadNpy(bytes)).Message);
        // Not seekable: the read runs out instead.
        Assert.Contains("truncated", Assert.Throws<NpyFormatException>(() => Npy.Read(new NonSeekableStream(bytes))).Message);

        var v2 = NpyBytes(Dict("<f4", false, "(1,)"), LittleEndianBytes(1f), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(v2.AsSpan(8), uint.MaxValue);
        Assert.Contains("exceeds the maximum", Assert.Throws<NpyFormatException>(() => ReadNpy(v2)).Message);
    }

    [Fact]
    public void RejectsDataShorterThanTheHeaderClaims()
    {
        var bytes = NpyBytes(Dict("<f4", false, "(1000,)"), LittleEndianBytes(1f, 2f, 3f));
        Assert.Contains("truncated", Assert.Throws<NpyFormatException>(() => ReadNpy(bytes)).Message);
        Assert.Contains("truncated", Assert.Throws<NpyFormatException>(() => Npy.Read(new NonSeekableStream(bytes))).Message);
    }

    /// <summary>A read-only stream that cannot seek or tell its length, like a network or inflating stream.</summary>
    internal sealed class NonSeekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream inner = new(bytes, writable: false);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
