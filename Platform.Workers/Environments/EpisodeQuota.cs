namespace Platform.Workers.Environments;

/// <summary>
/// Collects episode returns without favouring short episodes. Averaging "the first N episodes to finish" across
/// parallel environments over-samples short episodes (they finish first), which biases the mean wherever return
/// and length are related: in most games they are, so such means read low. Here the number of episodes each
/// environment slot contributes is fixed before anything runs (N split as evenly as possible over the slots), and
/// a slot's episodes are its first ones, whatever their lengths; episodes a slot finishes beyond its share are
/// ignored. Each slot is an independent stream (see <see cref="IBatchedEnvironment"/>), so the mean is unbiased.
/// </summary>
public sealed class EpisodeQuota
{
    private readonly int[] _share;
    private readonly List<float>[] _returns;
    private int _recorded;

    public EpisodeQuota(int slots, int episodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        Episodes = episodes;
        _share = [.. Enumerable.Range(0, slots).Select(i => episodes / slots + (i < episodes % slots ? 1 : 0))];
        _returns = [.. Enumerable.Range(0, slots).Select(i => new List<float>(_share[i]))];
    }

    public int Episodes { get; }
    public bool Complete => _recorded == Episodes;

    /// <summary>How many episodes slot <paramref name="slot"/> contributes.</summary>
    public int Share(int slot) => _share[slot];

    /// <summary>Records an episode slot <paramref name="slot"/> finished; false (and ignored) once the slot has its share.</summary>
    public bool Record(int slot, float episodeReturn)
    {
        if (_returns[slot].Count >= _share[slot]) return false;
        _returns[slot].Add(episodeReturn);
        _recorded++;
        return true;
    }

    /// <summary>The returns, slot by slot in episode order (a fixed order: it does not depend on which slot finished first).</summary>
    public List<float> Returns => [.. _returns.SelectMany(r => r)];

    /// <summary>
    /// Steps <paramref name="env"/> from a reset until every slot has finished its share of <paramref name="episodes"/>;
    /// <paramref name="act"/> chooses the actions from the observations (<c>[B, H, W, C]</c>, channels-last);
    /// <paramref name="onEpisode"/> hears each counted episode's return as it finishes (for live progress).
    /// </summary>
    public static List<float> Collect(IBatchedEnvironment env, int episodes, Action<float[], int[]> act, long maxSteps = 100_000_000,
        Action<float>? onEpisode = null)
    {
        int n = env.BatchSize;
        var quota = new EpisodeQuota(n, episodes);
        var obs = new float[n * env.Spec.ObservationSize];
        var actions = new int[n];
        var rewards = new float[n];
        var terminals = new bool[n];
        env.Reset(obs);
        for (long step = 0; !quota.Complete; step++)
        {
            if (step >= maxSteps) throw new InvalidOperationException($"{episodes} episodes did not finish within {maxSteps} steps");
            act(obs, actions);
            env.Step(actions, obs, rewards, terminals);
            for (int i = 0; i < n; i++)
                if (terminals[i] && quota.Record(i, env.GetEpisodeStats(i).LastReturn)) onEpisode?.Invoke(env.GetEpisodeStats(i).LastReturn);
        }
        return quota.Returns;
    }
}
