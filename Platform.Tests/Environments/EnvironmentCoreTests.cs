using Platform.Data.Environments;
using Platform.Workers.Environments;

namespace Platform.Tests.Environments;

public class EnvironmentCoreTests
{
    public static TheoryData<string> AllIds() => new(EnvironmentRegistry.All.Select(s => s.Id));

    [Fact]
    public void RegistryHasStableIdsAndShapes()
    {
        string[] expected =
        [
            "catch/8x8", "catch/5x5", "minatar/asterix", "minatar/breakout", "minatar/freeway", "minatar/seaquest",
            "minatar/space_invaders", "procgen/maze", "procgen/miner", "procgen/heist", "procgen/chaser", "procgen/leaper",
        ];
        Assert.Equal(expected, EnvironmentRegistry.All.Select(s => s.Id));
        Assert.Equal([8, 8, 1], EnvironmentRegistry.Get("catch/8x8").ObservationShape);
        Assert.Equal([10, 10, 4], EnvironmentRegistry.Get("minatar/breakout").ObservationShape);
        Assert.Equal([10, 10, 10], EnvironmentRegistry.Get("minatar/seaquest").ObservationShape);
        Assert.Equal(6, EnvironmentRegistry.Get("minatar/freeway").ActionCount);
        Assert.Equal(15, EnvironmentRegistry.Get("procgen/maze").ActionCount);
        foreach (var s in EnvironmentRegistry.All)
        {
            Assert.Equal(s.Channels, s.ChannelNames.Count);
            Assert.Equal(s.ActionCount, s.ActionNames.Count);
            Assert.False(double.IsNaN(s.RandomReturn), s.Id);
        }
    }

    [Fact]
    public void UnknownIdIsAClearError()
    {
        var ex = Assert.Throws<UnknownEnvironmentException>(() => EnvironmentRegistry.Get("minatar/pong"));
        Assert.Contains("minatar/pong", ex.Message);
        Assert.Contains("minatar/breakout", ex.Message);
        Assert.Throws<UnknownEnvironmentException>(() => EnvironmentRegistry.Create("nope", 4, 1));
    }

    [Theory]
    [MemberData(nameof(AllIds))]
    public void InvalidActionThrowsBeforeAnyStateChanges(string id)
    {
        var spec = EnvironmentRegistry.Get(id);
        var a = EnvironmentRegistry.Create(id, 3, 5);
        var b = EnvironmentRegistry.Create(id, 3, 5);
        var obsA = new float[3 * spec.ObservationSize];
        var obsB = new float[3 * spec.ObservationSize];
        var r = new float[3];
        var t = new bool[3];
        a.Reset(obsA);
        b.Reset(obsB);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => a.Step([0, spec.ActionCount, 0], obsA, r, t));
        Assert.Contains($"0..{spec.ActionCount - 1}", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Step([-1, 0, 0], obsA, r, t));
        Assert.Throws<ArgumentException>(() => a.Step([0, 0], obsA, r, t));
        for (int k = 0; k < 30; k++)
        {
            a.Step([1, 2, 0], obsA, r, t);
            b.Step([1, 2, 0], obsB, r, t);
        }
        Assert.Equal(obsB, obsA); // the rejected steps changed nothing (sticky-action draws included)
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvironmentRegistry.Create("minatar/breakout", 1, 1, new EnvironmentOptions { StickyActionProbability = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvironmentRegistry.Create("procgen/maze", 1, 1, new EnvironmentOptions { TrainLevels = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvironmentRegistry.Create("catch/5x5", 0, 1));
    }

    private static (float[] Obs, float[] Rewards, bool[] Terminals) Run(string id, int batch, ulong seed, int steps, int envIndex)
    {
        var spec = EnvironmentRegistry.Get(id);
        var env = EnvironmentRegistry.Create(id, batch, seed);
        var obs = new float[batch * spec.ObservationSize];
        var actions = new int[batch];
        var r = new float[batch];
        var t = new bool[batch];
        var policies = Enumerable.Range(0, batch).Select(i => Rng.Create(777, (ulong)i)).ToArray();
        var trajObs = new List<float>();
        var trajR = new List<float>();
        var trajT = new List<bool>();
        env.Reset(obs);
        trajObs.AddRange(obs.AsSpan(envIndex * spec.ObservationSize, spec.ObservationSize).ToArray());
        for (int k = 0; k < steps; k++)
        {
            for (int i = 0; i < batch; i++) actions[i] = policies[i].Next(spec.ActionCount);
            env.Step(actions, obs, r, t);
            trajObs.AddRange(obs.AsSpan(envIndex * spec.ObservationSize, spec.ObservationSize).ToArray());
            trajR.Add(r[envIndex]);
            trajT.Add(t[envIndex]);
        }
        return (trajObs.ToArray(), trajR.ToArray(), trajT.ToArray());
    }

    [Theory]
    [MemberData(nameof(AllIds))]
    public void SameSeedGivesIdenticalTrajectoriesAcrossBatchSizes(string id)
    {
        var a = Run(id, 4, 42, 300, 3);
        var b = Run(id, 4, 42, 300, 3);
        var c = Run(id, 8, 42, 300, 3);
        var one = Run(id, 1, 42, 300, 0);
        var zeroOfEight = Run(id, 8, 42, 300, 0);
        Assert.Equal(a.Obs, b.Obs);
        Assert.Equal(a.Rewards, b.Rewards);
        Assert.Equal(a.Obs, c.Obs);
        Assert.Equal(a.Terminals, c.Terminals);
        Assert.Equal(one.Obs, zeroOfEight.Obs);
        Assert.Equal(one.Rewards, zeroOfEight.Rewards);
        var other = Run(id, 4, 43, 300, 3);
        Assert.NotEqual(a.Obs, other.Obs); // the seed matters
    }

    [Theory]
    [MemberData(nameof(AllIds))]
    public void ObservationsAreBinaryAndRendersHaveTheRightSize(string id)
    {
        var spec = EnvironmentRegistry.Get(id);
        var (obs, _, _) = Run(id, 2, 9, 100, 1);
        Assert.All(obs, v => Assert.True(v == 0 || v == 1));
        var env = EnvironmentRegistry.Create(id, 2, 9);
        env.Reset(new float[2 * spec.ObservationSize]);
        var rgb = new byte[spec.RgbSize];
        env.RenderRgb(1, rgb);
        Assert.Contains(rgb, v => v != 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.RenderRgb(2, rgb));
    }

    [Fact]
    public void AutoResetReportsTheFinalRewardAndTheNextEpisodesFirstObservation()
    {
        // Catch 5x5: every episode lasts exactly 4 steps.
        var env = EnvironmentRegistry.Create("catch/5x5", 2, 3);
        var obs = new float[2 * 25];
        var r = new float[2];
        var t = new bool[2];
        env.Reset(obs);
        for (int k = 1; k <= 4; k++)
        {
            env.Step([1, 1], obs, r, t);
            Assert.Equal(k == 4, t[0]);
        }
        Assert.True(r[0] is 1 or -1);
        // The observation is a fresh episode: ball in row 0, paddle in the middle of the bottom row.
        Assert.Equal(1, obs.AsSpan(0, 5).ToArray().Sum());
        Assert.Equal(1, obs[20 + 2]);
        var stats = env.GetEpisodeStats(0);
        Assert.Equal(1, stats.CompletedEpisodes);
        Assert.Equal(4, stats.LastLength);
        Assert.Equal(r[0], stats.LastReturn);
        Assert.Equal(0, stats.CurrentLength);
    }

    [Fact]
    public void CatchRewardsCatchingAndMissing()
    {
        var env = EnvironmentRegistry.Create("catch/8x8", 1, 11);
        var obs = new float[64];
        var r = new float[1];
        var t = new bool[1];
        for (int episode = 0; episode < 20; episode++)
        {
            if (episode == 0) env.Reset(obs);
            int ball = Array.FindIndex(obs, 0, 8, v => v == 1);
            bool catchIt = episode % 2 == 0;
            int steps = 0;
            do
            {
                int paddle = Array.FindIndex(obs, 56, 8, v => v == 1) - 56;
                int target = catchIt ? ball : (ball < 4 ? 7 : 0);
                env.Step([Math.Sign(target - paddle) + 1], obs, r, t);
                steps++;
            } while (!t[0]);
            Assert.Equal(7, steps);
            Assert.Equal(catchIt ? 1f : -1f, r[0]);
        }
    }

    [Fact]
    public void RngIsDeterministicAndUniformEnough()
    {
        var a = Rng.Create(1, 2);
        var b = Rng.Create(1, 2);
        var c = Rng.Create(1, 3);
        Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(a.NextUInt64(), c.NextUInt64());
        var counts = new int[6];
        for (int i = 0; i < 60000; i++) counts[a.Next(6)]++;
        Assert.All(counts, n => Assert.InRange(n, 9500, 10500));
    }

    [Fact]
    public void ReplayGifIsWellFormed()
    {
        var rec = EpisodeRecorder.Record("minatar/breakout", 1, 40, EpisodeRecorder.RandomPolicy(6, 1));
        Assert.Equal(40, rec.Frames.Count);
        using var ms = new MemoryStream();
        GifWriter.Write(ms, rec.Frames, 10, 10, scale: 4);
        var bytes = ms.ToArray();
        Assert.Equal("GIF89a"u8.ToArray(), bytes[..6]);
        Assert.Equal(40, BitConverter.ToUInt16(bytes, 6));
        Assert.Equal(0x3B, bytes[^1]);
        Assert.Equal(40, CountFrames(bytes));
    }

    private static int CountFrames(byte[] gif)
    {
        int p = 13 + 768, frames = 0;
        while (gif[p] != 0x3B)
        {
            if (gif[p] == 0x21) { p += 2; while (gif[p] != 0) p += gif[p] + 1; p++; }
            else if (gif[p] == 0x2C) { frames++; p += 10; p++; while (gif[p] != 0) p += gif[p] + 1; p++; }
            else throw new InvalidDataException($"unexpected block 0x{gif[p]:X2} at {p}");
        }
        return frames;
    }
}
