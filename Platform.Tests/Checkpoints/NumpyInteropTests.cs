using System.Diagnostics;
using Platform.Data.Npz;
using static Platform.Tests.Checkpoints.CheckpointTestFiles;

namespace Platform.Tests.Checkpoints;

/// <summary>
/// Files we write load in numpy, and files numpy writes load here. Needs /usr/bin/python3 with numpy
/// (Debian: apt-get install python3-numpy); without it the tests fail unless DISCO_ALLOW_NO_NUMPY=1.
/// </summary>
public class NumpyInteropTests
{
    private const string Python = "/usr/bin/python3";

    private static bool NumpyAvailable()
    {
        if (RunPython("import numpy", [], out _, out _) == 0) return true;
        Assert.True(Environment.GetEnvironmentVariable("DISCO_ALLOW_NO_NUMPY") == "1",
            $"{Python} cannot import numpy; install it (apt-get install -y python3-numpy) or set DISCO_ALLOW_NO_NUMPY=1 to skip");
        return false;
    }

    private static int RunPython(string script, string[] args, out string stdout, out string stderr)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { stdout = ""; stderr = e.Message; return -1; }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            stdout = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(120_000), "python did not finish in 120 s");
            stderr = err.Result;
            return p.ExitCode;
        }
    }

    private static string[] RunPythonOk(string script, params string[] args)
    {
        int rc = RunPython(script, args, out var stdout, out var stderr);
        Assert.True(rc == 0, $"python failed ({rc}): {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    // For each array: key, dtype.str, shape, sha256 of the C-order little-endian bytes.
    private const string Describe = """
        import sys, hashlib, numpy as np
        def describe(key, a):
            le = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<'))
            print(key, a.dtype.str, repr(tuple(int(d) for d in a.shape)).replace(' ', ''), hashlib.sha256(le.tobytes()).hexdigest())
        """;

    private static string DescribeOurs(string key, NpyArray a)
    {
        string descr = a.DType switch
        {
            NpyDType.Float32 => "<f4", NpyDType.Float64 => "<f8", NpyDType.Int32 => "<i4",
            NpyDType.Int64 => "<i8", NpyDType.Bool => "|b1", NpyDType.UInt8 => "|u1", _ => "?",
        };
        string shape = a.Shape.Length == 1 ? $"({a.Shape[0]},)" : "(" + string.Join(",", a.Shape) + ")";
        return $"{key} {descr} {shape} {Sha256Hex(RawBytes(a))}";
    }

    [Fact]
    public void NumpyLoadsWhatWeWrite()
    {
        if (!NumpyAvailable()) return;
        var dir = Directory.CreateTempSubdirectory("npz-interop-");
        try
        {
            var arrays = new List<KeyValuePair<string, NpyArray>>();
            int seed = 0;
            foreach (var t in Enum.GetValues<NpyDType>())
                foreach (var shape in new long[][] { [], [7], [2, 3, 4], [0, 3] })
                    arrays.Add(KeyValuePair.Create($"{t}_{string.Join("x", shape)}", NpyRoundTripTests.MakeArray(t, shape, seed++)));
            var expected = arrays.Select(kv => DescribeOurs(kv.Key, kv.Value)).ToArray();
            foreach (bool compress in new[] { false, true })
            {
                var path = Path.Combine(dir.FullName, compress ? "c.npz" : "s.npz");
                Npz.Write(path, arrays, compress);
                var lines = RunPythonOk(Describe + """

                    with np.load(sys.argv[1], allow_pickle=False) as f:
                        for key in f.files:
                            describe(key, f[key])
                    """, path);
                Assert.Equal(expected, lines);
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void WeReadWhatNumpyWrites()
    {
        if (!NumpyAvailable()) return;
        var dir = Directory.CreateTempSubdirectory("npz-interop-");
        try
        {
            // Arrays built from arange, so whatever the memory layout, C order must read 0, 1, 2, ...
            var lines = RunPythonOk(Describe + """

                import os
                d = sys.argv[1]
                r = lambda n, t: np.arange(n, dtype=t)
                arrays = {
                    'c_f4': r(24, '<f4').reshape(2, 3, 4),
                    'f_f4': np.asfortranarray(r(24, '<f4').reshape(2, 3, 4)),
                    'f_f8_2d': np.asfortranarray(r(12, '<f8').reshape(3, 4)),
                    'f_i4_4d': np.asfortranarray(r(120, '<i4').reshape(2, 3, 4, 5)),
                    'be_f8': r(6, '>f8').reshape(2, 3),
                    'be_i8_f': np.asfortranarray(r(6, '>i8').reshape(3, 2)),
                    'be_i4': r(5, '>i4'),
                    'be_f4': r(5, '>f4'),
                    'zero_d_i8': np.array(0, dtype='<i8'),
                    'zero_d_f4': np.array(0, dtype='<f4'),
                    'u1': r(200, np.uint8).reshape(10, 20),
                    'b1_f': np.asfortranarray((r(12, '<i4') % 3 == 0).reshape(3, 4)),
                    'empty': np.zeros((0, 3), '<f8'),
                }
                np.savez(os.path.join(d, 'stored.npz'), **arrays)
                np.savez_compressed(os.path.join(d, 'compressed.npz'), **arrays)
                for v in [(1, 0), (2, 0), (3, 0)]:
                    with open(os.path.join(d, 'v%d.npy' % v[0]), 'wb') as fh:
                        np.lib.format.write_array(fh, arrays['f_f4'], version=v)
                for k, a in arrays.items():
                    describe(k, a)
                """, dir.FullName);
            var expected = lines.ToDictionary(l => l.Split(' ')[0], l => l);
            Assert.Equal(13, expected.Count);

            foreach (var file in new[] { "stored.npz", "compressed.npz" })
            {
                var read = Npz.Read(Path.Combine(dir.FullName, file));
                Assert.Equal(expected.Keys.ToArray(), read.Keys.ToArray());
                foreach (var (key, a) in read)
                {
                    var described = DescribeOurs(key, a);
                    // numpy reports the big-endian arrays as '>..'; we hold them little-endian.
                    Assert.Equal(expected[key].Replace(" >", " <"), described);
                    if (key is "b1_f")
                        Assert.Equal(Enumerable.Range(0, 12).Select(i => i % 3 == 0).ToArray(), a.Data);
                    else if (key != "u1")
                        Assert.Equal(Enumerable.Range(0, (int)a.Length).Select(i => (double)i).ToArray(), a.ToFloat64());
                    else
                        Assert.Equal(Enumerable.Range(0, 200).Select(i => (byte)i).ToArray(), a.Data);
                }
                Assert.Empty(read["zero_d_i8"].Shape);
                Assert.Equal(new long[] { 2, 3, 4, 5 }, read["f_i4_4d"].Shape);
            }
            foreach (int v in new[] { 1, 2, 3 })
            {
                var bytes = File.ReadAllBytes(Path.Combine(dir.FullName, $"v{v}.npy"));
                Assert.Equal(v, bytes[6]);
                var a = Npy.Read(new MemoryStream(bytes));
                Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), a.Data);
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void ReleasedWeightsMatchNumpy()
    {
        if (!NumpyAvailable()) return;
        var path = WeightsPath();
        var lines = RunPythonOk(Describe + """

            with np.load(sys.argv[1], allow_pickle=False) as f:
                for key in f.files:
                    describe(key, f[key])
            """, path);
        var ours = Npz.Read(path).Select(kv => DescribeOurs(kv.Key, kv.Value)).ToArray();
        Assert.Equal(42, lines.Length);
        Assert.Equal(lines, ours);
    }
}
