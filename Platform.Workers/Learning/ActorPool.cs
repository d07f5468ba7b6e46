using Platform.Data.Environments;
using Platform.Data.Npz;
using Platform.Workers.Environments;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>
/// N actor environments of one id stepping in lockstep, with the action each will take next (sampled from the policy
/// at the last observation). Rollouts either overlap by one state (a[T] of one rollout is a[0] of the next) or, as the
/// reference's, take one more step after obs[T] that no rollout holds, so the next rollout starts at the next state.
/// Keeps the episode returns and lengths, whether each environment's current observation starts an episode, and the
/// whole action history: environments are deterministic in (seed, actions), so replaying the history restores them
/// exactly on resume.
/// </summary>
public sealed class ActorPool
{
    private readonly IBatchedEnvironment _env;
    private readonly float[] _obs, _rewards, _pendingLogits;
    private readonly bool[] _terminals;
    /// <summary>Per environment: its current observation is the first of an episode reached by a terminal transition.</summary>
    private readonly bool[] _episodeStart;
    private readonly int[] _pending;
    private bool _hasPending;
    private readonly List<byte> _actionHistory = [];
    private readonly List<float> _returns = [];
    private readonly List<int> _lengths = [];

    public ActorPool(string envId, int count, ulong seed, EnvironmentOptions? options = null)
    {
        if (count < 1) throw new ArgumentException("an actor pool needs at least one environment");
        Spec = EnvironmentRegistry.Get(envId);
        Count = count;
        _env = EnvironmentRegistry.Create(envId, count, seed, options);
        _obs = new float[count * Spec.ObservationSize];
        _rewards = new float[count];
        _terminals = new bool[count];
        _episodeStart = new bool[count];
        _pending = new int[count];
        _pendingLogits = new float[count * Spec.ActionCount];
        _env.Reset(_obs);
    }

    public EnvironmentSpec Spec { get; }
    public int Count { get; }
    public long EnvSteps => _actionHistory.Count;
    public IReadOnlyList<float> EpisodeReturns => _returns;
    public IReadOnlyList<int> EpisodeLengths => _lengths;

    public double RecentReturn(int n = 100) => _returns.Count == 0 ? double.NaN : _returns.TakeLast(n).Average();

    /// <summary>
    /// Rolls every environment T steps into a batch of T transitions. <paramref name="policyLogits"/> maps the
    /// observation buffer [N × obs] to logits [N, A] (called without autograd); actions are sampled from
    /// softmax(logits) with <paramref name="rng"/>. With <paramref name="stepPastTheEnd"/> (the reference's
    /// segmentation) the environments then take a[T] too, so the next rollout starts at the state after obs[T].
    /// </summary>
    public TrajectoryBatch Rollout(int t, Func<float[], Tensor> policyLogits, LearnerRng rng, bool stepPastTheEnd = false)
    {
        int n = Count, obsSize = Spec.ObservationSize, actions = Spec.ActionCount;
        var batch = new TrajectoryBatch(t, n, obsSize, actions);
        if (!_hasPending) SampleActions(policyLogits, rng);
        for (int s = 0; s <= t; s++)
        {
            Array.Copy(_obs, 0, batch.Observations, (long)s * n * obsSize, _obs.Length);
            Array.Copy(_pendingLogits, 0, batch.BehaviourLogits, s * n * actions, _pendingLogits.Length);
            for (int i = 0; i < n; i++) batch.ActionsTaken[s * n + i] = _pending[i];
            if (s == t) break;
            for (int i = 0; i < n; i++) batch.EpisodeStart[s * n + i] = _episodeStart[i] ? 1 : 0;
            Step();
            for (int i = 0; i < n; i++)
            {
                batch.Rewards[s * n + i] = _rewards[i];
                batch.IsTerminal[s * n + i] = _terminals[i] ? 1 : 0;
            }
            SampleActions(policyLogits, rng);
        }
        if (stepPastTheEnd)
        {
            Step();
            SampleActions(policyLogits, rng);
        }
        return batch;
    }

    /// <summary>Every environment takes its pending action; episode statistics and starts are recorded.</summary>
    private void Step()
    {
        _env.Step(_pending, _obs, _rewards, _terminals);
        foreach (var a in _pending) _actionHistory.Add((byte)a);
        for (int i = 0; i < Count; i++)
        {
            _episodeStart[i] = _terminals[i];
            if (!_terminals[i]) continue;
            var stats = _env.GetEpisodeStats(i);
            _returns.Add(stats.LastReturn);
            _lengths.Add(stats.LastLength);
        }
    }

    private void SampleActions(Func<float[], Tensor> policyLogits, LearnerRng rng)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        policyLogits(_obs).cpu().data<float>().CopyTo(_pendingLogits);
        int actions = Spec.ActionCount;
        for (int i = 0; i < Count; i++) _pending[i] = rng.SampleSoftmax(_pendingLogits.AsSpan(i * actions, actions));
        _hasPending = true;
    }

    // ---- checkpoint state ----

    /// <summary>Action history [steps, N], episode returns and lengths, under <paramref name="prefix"/>.</summary>
    public void SaveArrays(IDictionary<string, NpyArray> into, string prefix = "")
    {
        into[prefix + "action_history"] = NpyArray.Of(_actionHistory.ToArray(), _actionHistory.Count / Count, Count);
        into[prefix + "episode_returns"] = NpyArray.Of(_returns.ToArray(), _returns.Count);
        into[prefix + "episode_lengths"] = NpyArray.Of(_lengths.ToArray(), _lengths.Count);
        into[prefix + "pending_actions"] = NpyArray.Of(_pending.ToArray(), Count);
        into[prefix + "pending_logits"] = NpyArray.Of(_pendingLogits.ToArray(), _pendingLogits.Length);
        into[prefix + "has_pending"] = NpyArray.Of(new byte[] { (byte)(_hasPending ? 1 : 0) }, 1);
    }

    /// <summary>Restores a fresh pool (same id, count and seed) to a saved state by replaying its action history.</summary>
    public void LoadArrays(IReadOnlyDictionary<string, NpyArray> arrays, string prefix = "")
    {
        if (_actionHistory.Count > 0) throw new InvalidOperationException("only a fresh actor pool can be restored");
        T[] Get<T>(string key) => arrays.TryGetValue(prefix + key, out var a) && a.Data is T[] d
            ? d : throw new InvalidDataException($"checkpoint: {prefix + key} is missing or has the wrong dtype");
        var history = Get<byte>("action_history");
        if (history.Length % Count != 0) throw new InvalidDataException("checkpoint: the action history does not match the actor count");
        var actions = new int[Count];
        for (int k = 0; k < history.Length; k += Count)
        {
            for (int i = 0; i < Count; i++) actions[i] = history[k + i];
            _env.Step(actions, _obs, _rewards, _terminals);
        }
        if (history.Length > 0) Array.Copy(_terminals, _episodeStart, Count);
        _actionHistory.AddRange(history);
        _returns.AddRange(Get<float>("episode_returns"));
        _lengths.AddRange(Get<int>("episode_lengths"));
        var pending = Get<int>("pending_actions");
        var logits = Get<float>("pending_logits");
        if (pending.Length != Count || logits.Length != _pendingLogits.Length) throw new InvalidDataException("checkpoint: pending actions do not match the actor count");
        pending.CopyTo(_pending, 0);
        logits.CopyTo(_pendingLogits, 0);
        _hasPending = Get<byte>("has_pending")[0] != 0;
    }
}
