using Platform.Data.Environments;

namespace Platform.Workers.Environments.MinAtar;

/// <summary>
/// Common part of the MinAtar games (behaviour reimplemented from the public MinAtar rules; no code taken from it).
/// Grid 10×10, channels-last binary observation. The platform exposes the full 6-action set to every game:
/// 0 no-op, 1 left, 2 up, 3 right, 4 down, 5 fire (actions a game ignores act as no-op; MinAtar's minimal
/// action sets are subsets of this). Sticky actions: with probability p the previously executed action is
/// executed instead of the chosen one (the executed action is remembered, also across episodes, as in MinAtar).
/// </summary>
internal abstract class MinAtarGame(EnvironmentOptions options) : Game
{
    public const int Size = EnvironmentCatalog.MinAtarGridSize;

    /// <summary>The actions, in the order of <see cref="EnvironmentCatalog.MinAtarActionNames"/>.</summary>
    public const int NoOp = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    protected readonly double StickyProbability = options.StickyActionProbability;
    protected readonly bool Ramping = options.DifficultyRamping;

    /// <summary>The last executed action (after stickiness).</summary>
    internal int LastAction;

    public sealed override float Step(int action, out bool terminal)
    {
        if (StickyProbability > 0 && Rng.NextDouble() < StickyProbability) action = LastAction;
        LastAction = action;
        return Act(action, out terminal);
    }

    /// <summary>Applies one executed action to the game.</summary>
    internal abstract float Act(int action, out bool terminal);

    protected static int Cell(int y, int x, int channels, int channel) => (y * Size + x) * channels + channel;
}
