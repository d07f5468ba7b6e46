using Platform.Data.Environments;
using Platform.Workers.Environments;

namespace Platform.Tests.Environments;

/// <summary>
/// Episode means without a bias towards short episodes: on an environment whose return is its episode's length,
/// <see cref="EpisodeQuota"/> recovers the true mean, while "the first N episodes to finish" (what evaluation used
/// to do) reads low.
/// </summary>
public class EpisodeQuotaTests
{
    /// <summary>Each slot's episodes last 1..20 steps (uniform, from the slot's own stream) and return their length.</summary>
    private sealed class LengthIsReturn(int slots, ulong seed) : IBatchedEnvironment
    {
        public const double TrueMean = 10.5;
        private readonly Rng[] _rng = [.. Enumerable.Range(0, slots).Select(i => Rng.Create(seed, (ulong)i))];
        private readonly int[] _left = new int[slots], _length = new int[slots], _last = new int[slots], _done = new int[slots];

        public EnvironmentSpec Spec { get; } = EnvironmentRegistry.Get("catch/5x5");
        public int BatchSize => slots;

        public void Reset(Span<float> observations)
        {
            for (int i = 0; i < slots; i++) Begin(i);
        }

        private void Begin(int i) => _left[i] = _length[i] = 1 + _rng[i].Next(20);

        public void Step(ReadOnlySpan<int> actions, Span<float> observations, Span<float> rewards, Span<bool> terminals)
        {
            for (int i = 0; i < slots; i++)
            {
                terminals[i] = --_left[i] == 0;
                rewards[i] = terminals[i] ? _length[i] : 0;
                if (!terminals[i]) continue;
                (_last[i], _done[i]) = (_length[i], _done[i] + 1);
                Begin(i);
            }
        }

        public EpisodeStats GetEpisodeStats(int index) => new(_done[index], _last[index], _last[index], 0, 0);
        public void RenderRgb(int index, Span<byte> rgb) => rgb.Clear();
    }

    private static double FirstToFinish(IBatchedEnvironment env, int episodes)
    {
        var obs = new float[env.BatchSize * env.Spec.ObservationSize];
        var (rewards, terminals, actions) = (new float[env.BatchSize], new bool[env.BatchSize], new int[env.BatchSize]);
        env.Reset(obs);
        var returns = new List<float>();
        while (returns.Count < episodes)
        {
            env.Step(actions, obs, rewards, terminals);
            for (int i = 0; i < env.BatchSize && returns.Count < episodes; i++)
                if (terminals[i]) returns.Add(env.GetEpisodeStats(i).LastReturn);
        }
        return returns.Average(r => (double)r);
    }

    [Fact]
    public void TheMeanIsUnbiasedWhereFirstToFinishReadsLow()
    {
        // 400 evaluations of 32 episodes on 16 slots: the standard error of the pooled mean is about 0.09.
        const int repeats = 400, episodes = 32, slots = 16;
        double quota = 0, firstToFinish = 0;
        for (ulong seed = 1; seed <= repeats; seed++)
        {
            quota += EpisodeQuota.Collect(new LengthIsReturn(slots, seed), episodes, (_, a) => Array.Clear(a)).Average(r => (double)r);
            firstToFinish += FirstToFinish(new LengthIsReturn(slots, seed), episodes);
        }
        (quota, firstToFinish) = (quota / repeats, firstToFinish / repeats);
        Assert.InRange(quota, LengthIsReturn.TrueMean - 0.4, LengthIsReturn.TrueMean + 0.4);
        Assert.True(firstToFinish < LengthIsReturn.TrueMean - 1, $"first-to-finish read {firstToFinish:F2}: the test would not see the bias");
    }

    [Fact]
    public void EachSlotContributesItsShareInAFixedOrder()
    {
        var quota = new EpisodeQuota(slots: 3, episodes: 7);
        Assert.Equal([3, 2, 2], Enumerable.Range(0, 3).Select(quota.Share));
        // Slot 2 finishes everything first; its extra episodes are ignored, and the order is by slot, not by finish.
        Assert.True(quota.Record(2, 20)); Assert.True(quota.Record(2, 21)); Assert.False(quota.Record(2, 22));
        foreach (var r in new float[] { 0, 1, 2 }) Assert.True(quota.Record(0, r));
        Assert.False(quota.Complete);
        Assert.True(quota.Record(1, 10)); Assert.True(quota.Record(1, 11));
        Assert.True(quota.Complete);
        Assert.Equal([0f, 1, 2, 10, 11, 20, 21], quota.Returns);
    }

    [Fact]
    public void EachCountedEpisodeIsHeardOnceAsItFinishes()
    {
        // Live progress (an evaluation run's points): every counted episode once, in finishing order, extras of a slot
        // that has its share not at all, so the heard returns are the result's, reordered.
        var heard = new List<float>();
        var returns = EpisodeQuota.Collect(new LengthIsReturn(16, seed: 5), 40, (_, a) => Array.Clear(a), onEpisode: heard.Add);
        Assert.Equal(40, heard.Count);
        Assert.Equal(returns.Order(), heard.Order());
        Assert.NotEqual(returns, heard);   // short episodes finish first: the finishing order is not the slot order
    }
}
