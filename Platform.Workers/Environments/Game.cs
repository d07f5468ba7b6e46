using Platform.Data.Environments;

namespace Platform.Workers.Environments;

/// <summary>
/// One environment instance of a game. <see cref="BatchedEnvironment"/> holds B of them. Actions reaching
/// <see cref="Step"/> are already validated; observations reaching <see cref="WriteObservation"/> are already zeroed.
/// </summary>
internal abstract class Game
{
    /// <summary>This instance's own random stream (derived from the batch seed and the instance index).</summary>
    public Rng Rng;

    /// <summary>Starts a new episode.</summary>
    public abstract void Reset();

    /// <summary>Advances one step; returns the reward and sets <paramref name="terminal"/> when the episode ended.</summary>
    public abstract float Step(int action, out bool terminal);

    /// <summary>Sets the cells of the current state into a zeroed <c>[H, W, C]</c> buffer.</summary>
    public abstract void WriteObservation(Span<float> observation);

    /// <summary>Colour of each channel for renders (RGB triples). Later entries of <see cref="PaintOrder"/> paint over earlier ones.</summary>
    public abstract ReadOnlySpan<byte> ChannelColors { get; }

    /// <summary>Order in which channels are painted; the default is channel order.</summary>
    public virtual ReadOnlySpan<int> PaintOrder => default;

    /// <summary>Colour of a cell with no active channel.</summary>
    public virtual (byte R, byte G, byte B) Background => (0, 0, 0);
}

/// <summary>The standard <see cref="IBatchedEnvironment"/>: B <see cref="Game"/> instances with auto-reset and episode statistics.</summary>
internal sealed class BatchedEnvironment : IBatchedEnvironment
{
    private readonly Game[] _games;
    private readonly float[] _episodeReturn;
    private readonly int[] _episodeLength;
    private readonly float[] _lastReturn;
    private readonly int[] _lastLength;
    private readonly int[] _completed;
    private readonly float[] _renderScratch;
    private bool _started;

    public BatchedEnvironment(EnvironmentSpec spec, int batchSize, ulong seed, Func<Game> create)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        Spec = spec;
        BatchSize = batchSize;
        _games = new Game[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            var g = create();
            g.Rng = Rng.Create(seed, (ulong)i);
            _games[i] = g;
        }
        _episodeReturn = new float[batchSize];
        _episodeLength = new int[batchSize];
        _lastReturn = new float[batchSize];
        _lastLength = new int[batchSize];
        _completed = new int[batchSize];
        _renderScratch = new float[spec.ObservationSize];
    }

    public EnvironmentSpec Spec { get; }
    public int BatchSize { get; }

    /// <summary>Direct access to one instance (tests and solvers).</summary>
    internal Game GameAt(int index) => _games[index];

    public void Reset(Span<float> observations)
    {
        int size = Spec.ObservationSize;
        CheckLength(observations.Length, BatchSize * size, nameof(observations));
        for (int i = 0; i < _games.Length; i++)
        {
            _games[i].Reset();
            _episodeReturn[i] = 0;
            _episodeLength[i] = 0;
            var obs = observations.Slice(i * size, size);
            obs.Clear();
            _games[i].WriteObservation(obs);
        }
        _started = true;
    }

    public void Step(ReadOnlySpan<int> actions, Span<float> observations, Span<float> rewards, Span<bool> terminals)
    {
        int size = Spec.ObservationSize;
        int n = Spec.ActionCount;
        CheckLength(actions.Length, BatchSize, nameof(actions));
        CheckLength(observations.Length, BatchSize * size, nameof(observations));
        CheckLength(rewards.Length, BatchSize, nameof(rewards));
        CheckLength(terminals.Length, BatchSize, nameof(terminals));
        for (int i = 0; i < actions.Length; i++)
        {
            if ((uint)actions[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i],
                    $"action {actions[i]} for environment {i} is out of range for {Spec.Id}: valid actions are 0..{n - 1}");
        }
        if (!_started) throw new InvalidOperationException("call Reset before the first Step");

        var games = _games;
        for (int i = 0; i < games.Length; i++)
        {
            var g = games[i];
            float r = g.Step(actions[i], out bool done);
            rewards[i] = r;
            terminals[i] = done;
            _episodeReturn[i] += r;
            _episodeLength[i]++;
            if (done)
            {
                _lastReturn[i] = _episodeReturn[i];
                _lastLength[i] = _episodeLength[i];
                _completed[i]++;
                _episodeReturn[i] = 0;
                _episodeLength[i] = 0;
                g.Reset();
            }
            var obs = observations.Slice(i * size, size);
            obs.Clear();
            g.WriteObservation(obs);
        }
    }

    public EpisodeStats GetEpisodeStats(int index)
    {
        CheckIndex(index);
        return new EpisodeStats(_completed[index], _lastReturn[index], _lastLength[index], _episodeReturn[index], _episodeLength[index]);
    }

    public void RenderRgb(int index, Span<byte> rgb)
    {
        CheckIndex(index);
        CheckLength(rgb.Length, Spec.RgbSize, nameof(rgb));
        var game = _games[index];
        var obs = _renderScratch.AsSpan();
        obs.Clear();
        game.WriteObservation(obs);
        Paint(game, Spec, obs, rgb);
    }

    /// <summary>Colours each cell by the last active channel in paint order.</summary>
    internal static void Paint(Game game, EnvironmentSpec spec, ReadOnlySpan<float> obs, Span<byte> rgb)
    {
        int c = spec.Channels;
        var colors = game.ChannelColors;
        var order = game.PaintOrder;
        var bg = game.Background;
        for (int cell = 0; cell < spec.Height * spec.Width; cell++)
        {
            byte r = bg.R, gr = bg.G, b = bg.B;
            int count = order.IsEmpty ? c : order.Length;
            for (int k = 0; k < count; k++)
            {
                int ch = order.IsEmpty ? k : order[k];
                if (obs[cell * c + ch] != 0)
                {
                    r = colors[ch * 3];
                    gr = colors[ch * 3 + 1];
                    b = colors[ch * 3 + 2];
                }
            }
            rgb[cell * 3] = r;
            rgb[cell * 3 + 1] = gr;
            rgb[cell * 3 + 2] = b;
        }
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)BatchSize)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"environment index must be in 0..{BatchSize - 1}");
    }

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has length {actual}, expected {expected}", name);
    }
}
