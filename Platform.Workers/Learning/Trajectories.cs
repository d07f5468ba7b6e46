using Platform.Data.Npz;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>
/// A batch of B trajectories of T transitions, time-major, on the CPU as flat arrays. Convention of this project
/// (environments auto-reset; there are no terminal observations): observations obs[0..T] (T+1 states), actions
/// a[0..T] (a[T] is the action the actor took at obs[T]), behaviour logits [T+1, A], rewards r[0..T−1],
/// is_terminal[t] = 1 when the episode ended after a[t] (obs[t+1] is then the first observation of the next
/// episode), and episode_start[t] = 1 when obs[t] is such a first observation (reached by a terminal transition).
/// The reference's loss mask (<see cref="LossMask"/>) leaves out the steps at episode starts: in its auto-reset
/// convention those are the timesteps of type LAST, whose discount is 0 (mask = discounts[:-1] &gt; 0).
/// </summary>
public sealed class TrajectoryBatch(int t, int b, int obsSize, int actions)
{
    public int T { get; } = t;
    public int B { get; } = b;
    public int ObsSize { get; } = obsSize;
    public int Actions { get; } = actions;
    public float[] Observations { get; } = new float[(t + 1) * b * obsSize];
    public long[] ActionsTaken { get; } = new long[(t + 1) * b];
    public float[] BehaviourLogits { get; } = new float[(t + 1) * b * actions];
    public float[] Rewards { get; } = new float[t * b];
    public float[] IsTerminal { get; } = new float[t * b];
    public float[] EpisodeStart { get; } = new float[t * b];

    /// <summary>
    /// The loss mask [T, B] on <paramref name="device"/>: 0 at episode starts when <paramref name="maskEpisodeStarts"/>
    /// (the reference), else 1 everywhere. Losses are averaged over its sum, as the reference's sum(mask·loss) / sum(mask).
    /// </summary>
    public Tensor LossMask(bool maskEpisodeStarts, Device device) => maskEpisodeStarts
        ? (1 - tensor(EpisodeStart, [T, B])).to(device)
        : ones(T, B).to(device);

    /// <summary>Tensors on <paramref name="device"/>: obs [T+1, B, H, W, C], actions [T+1, B], logits [T+1, B, A], rewards and is_terminal [T, B].</summary>
    public (Tensor Obs, Tensor Actions, Tensor Logits, Tensor Rewards, Tensor IsTerminal) ToTensors(IReadOnlyList<int> obsShape, Device device) => (
        tensor(Observations, [T + 1, B, obsShape[0], obsShape[1], obsShape[2]]).to(device),
        tensor(ActionsTaken, [T + 1, B]).to(device),
        tensor(BehaviourLogits, [T + 1, B, Actions]).to(device),
        tensor(Rewards, [T, B]).to(device),
        tensor(IsTerminal, [T, B]).to(device));
}

/// <summary>
/// FIFO buffer of single trajectories (the reference harness's 1024-trajectory buffer); a batch is sampled uniformly
/// with replacement from the learner's RNG. The whole content can be saved for a bit-for-bit resume.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly int _t, _obsSize, _actions;
    private readonly float[] _obs, _logits, _rewards, _terminal, _start;
    private readonly long[] _act;

    public ReplayBuffer(int capacity, int t, int obsSize, int actions)
    {
        if (capacity < 1) throw new ArgumentException("replay capacity must be ≥ 1");
        (Capacity, _t, _obsSize, _actions) = (capacity, t, obsSize, actions);
        _obs = new float[(long)capacity * (t + 1) * obsSize];
        _act = new long[capacity * (t + 1)];
        _logits = new float[capacity * (t + 1) * actions];
        _rewards = new float[capacity * t];
        _terminal = new float[capacity * t];
        _start = new float[capacity * t];
    }

    public int Capacity { get; }
    public int Count { get; private set; }
    public int Next { get; private set; }

    /// <summary>Appends every trajectory of a batch (overwriting the oldest when full).</summary>
    public void Add(TrajectoryBatch batch)
    {
        for (int b = 0; b < batch.B; b++)
        {
            int slot = Next;
            for (int s = 0; s <= _t; s++)
            {
                Array.Copy(batch.Observations, ((long)s * batch.B + b) * _obsSize, _obs, ((long)slot * (_t + 1) + s) * _obsSize, _obsSize);
                _act[slot * (_t + 1) + s] = batch.ActionsTaken[s * batch.B + b];
                Array.Copy(batch.BehaviourLogits, (s * batch.B + b) * _actions, _logits, (slot * (_t + 1) + s) * _actions, _actions);
                if (s < _t)
                {
                    _rewards[slot * _t + s] = batch.Rewards[s * batch.B + b];
                    _terminal[slot * _t + s] = batch.IsTerminal[s * batch.B + b];
                    _start[slot * _t + s] = batch.EpisodeStart[s * batch.B + b];
                }
            }
            Next = (Next + 1) % Capacity;
            Count = Math.Min(Count + 1, Capacity);
        }
    }

    /// <summary>B trajectories drawn uniformly with replacement, in time-major layout.</summary>
    public TrajectoryBatch Sample(int batchSize, LearnerRng rng)
    {
        if (Count == 0) throw new InvalidOperationException("the replay buffer is empty");
        var batch = new TrajectoryBatch(_t, batchSize, _obsSize, _actions);
        for (int b = 0; b < batchSize; b++)
        {
            int slot = rng.Next(Count);
            for (int s = 0; s <= _t; s++)
            {
                Array.Copy(_obs, ((long)slot * (_t + 1) + s) * _obsSize, batch.Observations, ((long)s * batchSize + b) * _obsSize, _obsSize);
                batch.ActionsTaken[s * batchSize + b] = _act[slot * (_t + 1) + s];
                Array.Copy(_logits, (slot * (_t + 1) + s) * _actions, batch.BehaviourLogits, (s * batchSize + b) * _actions, _actions);
                if (s < _t)
                {
                    batch.Rewards[s * batchSize + b] = _rewards[slot * _t + s];
                    batch.IsTerminal[s * batchSize + b] = _terminal[slot * _t + s];
                    batch.EpisodeStart[s * batchSize + b] = _start[slot * _t + s];
                }
            }
        }
        return batch;
    }

    public Dictionary<string, NpyArray> ToArrays() => new()
    {
        ["observations"] = NpyArray.Of(_obs, Capacity, _t + 1, _obsSize),
        ["actions"] = NpyArray.Of(_act, Capacity, _t + 1),
        ["logits"] = NpyArray.Of(_logits, Capacity, _t + 1, _actions),
        ["rewards"] = NpyArray.Of(_rewards, Capacity, _t),
        ["is_terminal"] = NpyArray.Of(_terminal, Capacity, _t),
        ["episode_start"] = NpyArray.Of(_start, Capacity, _t),
        ["position"] = NpyArray.Of(new long[] { Count, Next }, 2),
    };

    public void Load(IReadOnlyDictionary<string, NpyArray> arrays)
    {
        void Copy(string key, Array dst)
        {
            var src = arrays[key].Data;
            if (src.Length != dst.Length || src.GetType() != dst.GetType()) throw new InvalidDataException($"replay.npz: {key} does not match the configured buffer");
            Array.Copy(src, dst, dst.Length);
        }
        Copy("observations", _obs);
        Copy("actions", _act);
        Copy("logits", _logits);
        Copy("rewards", _rewards);
        Copy("is_terminal", _terminal);
        // replay.npz from before episode starts were kept: all zero, which only runs that count every step's loss read.
        if (arrays.ContainsKey("episode_start")) Copy("episode_start", _start);
        else Array.Clear(_start);
        var pos = (long[])arrays["position"].Data;
        (Count, Next) = ((int)pos[0], (int)pos[1]);
    }
}
