using Platform.Data.Environments;

namespace Platform.Workers.Environments;

/// <summary>
/// A small animated GIF89a encoder (global palette of at most 256 colours, LZW, looping) for episode replays.
/// Frames are RGB at cell resolution; each cell is drawn as a <c>scale × scale</c> block.
/// </summary>
public static class GifWriter
{
    public static void Write(Stream output, IReadOnlyList<byte[]> rgbFrames, int width, int height, int scale = 12, int delayCentiseconds = 8)
    {
        if (rgbFrames.Count == 0) throw new ArgumentException("no frames", nameof(rgbFrames));
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var palette = new List<int>();
        var index = new Dictionary<int, byte>();
        var indexed = new List<byte[]>(rgbFrames.Count);
        foreach (var frame in rgbFrames)
        {
            if (frame.Length != width * height * 3) throw new ArgumentException("frame size does not match width × height × 3");
            var px = new byte[width * height];
            for (int i = 0; i < px.Length; i++)
            {
                int rgb = (frame[i * 3] << 16) | (frame[i * 3 + 1] << 8) | frame[i * 3 + 2];
                if (!index.TryGetValue(rgb, out byte k))
                {
                    if (palette.Count == 256) throw new InvalidOperationException("more than 256 colours");
                    k = (byte)palette.Count;
                    index[rgb] = k;
                    palette.Add(rgb);
                }
                px[i] = k;
            }
            indexed.Add(px);
        }

        int w = width * scale, h = height * scale;
        var bw = new BinaryWriter(output);
        bw.Write("GIF89a"u8);
        bw.Write((ushort)w);
        bw.Write((ushort)h);
        bw.Write((byte)0xF7); // global colour table, 8 bits colour resolution, 256 entries
        bw.Write((byte)0);    // background colour index
        bw.Write((byte)0);    // pixel aspect ratio
        for (int i = 0; i < 256; i++)
        {
            int c = i < palette.Count ? palette[i] : 0;
            bw.Write((byte)(c >> 16));
            bw.Write((byte)(c >> 8));
            bw.Write((byte)c);
        }
        // NETSCAPE2.0 application extension: loop forever.
        bw.Write([0x21, 0xFF, 0x0B]);
        bw.Write("NETSCAPE2.0"u8);
        bw.Write([0x03, 0x01, 0x00, 0x00, 0x00]);

        var scaled = new byte[w * h];
        foreach (var px in indexed)
        {
            bw.Write([0x21, 0xF9, 0x04, 0x00]);
            bw.Write((ushort)delayCentiseconds);
            bw.Write([0x00, 0x00]);
            bw.Write((byte)0x2C);
            bw.Write((ushort)0);
            bw.Write((ushort)0);
            bw.Write((ushort)w);
            bw.Write((ushort)h);
            bw.Write((byte)0);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) scaled[y * w + x] = px[(y / scale) * width + x / scale];
            bw.Write((byte)8); // LZW minimum code size
            WriteLzw(bw, scaled);
        }
        bw.Write((byte)0x3B);
        bw.Flush();
    }

    /// <summary>GIF-flavoured LZW (variable code width 9..12 bits, clear code when the table is full), in sub-blocks.</summary>
    private static void WriteLzw(BinaryWriter bw, byte[] pixels)
    {
        const int Clear = 256, End = 257, MaxCode = 4096;
        var table = new Dictionary<int, int>(4096);
        var block = new byte[255];
        int blockLen = 0, bitBuffer = 0, bitCount = 0, codeSize = 9, next = End + 1;
        bool resetAfter = false;

        void PutByte(byte b)
        {
            block[blockLen++] = b;
            if (blockLen == 255) { bw.Write((byte)255); bw.Write(block, 0, 255); blockLen = 0; }
        }

        void Emit(int code)
        {
            bitBuffer |= code << bitCount;
            bitCount += codeSize;
            while (bitCount >= 8) { PutByte((byte)bitBuffer); bitBuffer >>= 8; bitCount -= 8; }
            if (resetAfter) { codeSize = 9; resetAfter = false; }
            else if (next > (1 << codeSize) - 1 && codeSize < 12) codeSize++;
        }

        Emit(Clear);
        int prefix = pixels[0];
        for (int i = 1; i < pixels.Length; i++)
        {
            int key = (prefix << 8) | pixels[i];
            if (table.TryGetValue(key, out int code)) { prefix = code; continue; }
            Emit(prefix);
            prefix = pixels[i];
            if (next < MaxCode) table[key] = next++;
            else
            {
                table.Clear();
                next = End + 1;
                resetAfter = true;
                Emit(Clear);
            }
        }
        Emit(prefix);
        Emit(End);
        if (bitCount > 0) PutByte((byte)bitBuffer);
        if (blockLen > 0) { bw.Write((byte)blockLen); bw.Write(block, 0, blockLen); }
        bw.Write((byte)0);
    }
}

/// <summary>Records frames of one environment under a policy, for replays (the learner passes its own policy).</summary>
public static class EpisodeRecorder
{
    public sealed record Recording(EnvironmentSpec Spec, IReadOnlyList<byte[]> Frames, IReadOnlyList<float> EpisodeReturns, float TotalReward);

    /// <summary>
    /// Runs <paramref name="frames"/> − 1 steps of environment 0 of a batch of one, rendering every state (episodes
    /// restart automatically). <paramref name="policy"/> maps an observation to an action.
    /// </summary>
    public static Recording Record(string envId, ulong seed, int frames, Func<ReadOnlySpan<float>, int> policy, EnvironmentOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        var env = EnvironmentRegistry.Create(envId, 1, seed, options);
        return Record(env, frames, policy);
    }

    public static Recording Record(IBatchedEnvironment env, int frames, Func<ReadOnlySpan<float>, int> policy)
    {
        var spec = env.Spec;
        var obs = new float[spec.ObservationSize];
        int[] action = [0];
        float[] reward = [0];
        bool[] terminal = [false];
        var list = new List<byte[]>(frames);
        var returns = new List<float>();
        float total = 0;
        env.Reset(obs);
        list.Add(Render(env));
        for (int f = 1; f < frames; f++)
        {
            action[0] = policy(obs);
            env.Step(action, obs, reward, terminal);
            total += reward[0];
            if (terminal[0]) returns.Add(env.GetEpisodeStats(0).LastReturn);
            list.Add(Render(env));
        }
        return new Recording(spec, list, returns, total);
    }

    private static byte[] Render(IBatchedEnvironment env)
    {
        var rgb = new byte[env.Spec.RgbSize];
        env.RenderRgb(0, rgb);
        return rgb;
    }

    /// <summary>Uniformly random actions from our own generator.</summary>
    public static Func<ReadOnlySpan<float>, int> RandomPolicy(int actionCount, ulong seed)
    {
        var rng = Rng.Create(seed, 0xA11CE);
        return _ => rng.Next(actionCount);
    }
}
