using Platform.Workers.Environments.Catch;
using Platform.Workers.Environments.MinAtar;
using Platform.Workers.Environments.ProcGen;

namespace Platform.Workers.Environments;

/// <summary>
/// All environment ids the platform knows, with their metadata and factories. Ids are stable: the API, the UI and
/// stored experiments refer to them.
/// Normalisation constants: <see cref="EnvironmentSpec.RandomReturn"/> is the mean return of the uniform random policy
/// and <see cref="EnvironmentSpec.ReferenceReturn"/> the best achievable (ProcGen: our solver; Catch: 1), both measured by
/// <c>platform-workers measure-envs --episodes 1000 --seed 1</c> (see BENCHMARKS.md). MinAtar's reference (PPO) return
/// is measured by another issue and is NaN until then.
/// </summary>
public static class EnvironmentRegistry
{
    private sealed record Entry(EnvironmentSpec Spec, Func<EnvironmentOptions, Func<Game>> Factory);

    private const string MeasureNote = "measure-envs --episodes 1000 --seed 1";

    private static readonly Entry[] Entries = Build();

    public static IReadOnlyList<EnvironmentSpec> All { get; } = Array.AsReadOnly(Entries.Select(e => e.Spec).ToArray());

    public static IEnumerable<string> Ids => Entries.Select(e => e.Spec.Id);

    /// <summary>The spec of <paramref name="id"/>; an unknown id throws <see cref="UnknownEnvironmentException"/>.</summary>
    public static EnvironmentSpec Get(string id) => Find(id).Spec;

    public static bool Contains(string id) => Entries.Any(e => e.Spec.Id == id);

    /// <summary>Creates <paramref name="batchSize"/> environments of <paramref name="id"/>; environment i uses stream i of <paramref name="seed"/>.</summary>
    public static IBatchedEnvironment Create(string id, int batchSize, ulong seed, EnvironmentOptions? options = null)
    {
        var entry = Find(id);
        options ??= EnvironmentOptions.Default;
        options.Validate();
        return new BatchedEnvironment(entry.Spec, batchSize, seed, entry.Factory(options));
    }

    private static Entry Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (var e in Entries)
            if (e.Spec.Id == id) return e;
        throw new UnknownEnvironmentException(id, Ids);
    }

    private static Entry[] Build()
    {
        string[] catchActions = ["left", "stay", "right"];
        Entry CatchEntry(int rows, int cols, double random) => new(
            new EnvironmentSpec($"catch/{rows}x{cols}", "catch", $"Catch {rows}×{cols}", 3, [rows, cols, 1], ["ball_and_paddle"],
                catchActions, random, 1.0, $"random: {MeasureNote}; reference: every ball caught"),
            _ => () => new CatchGame(rows, cols));

        Entry MinAtarEntry(string name, string display, string[] channels, double random, Func<EnvironmentOptions, Game> create) => new(
            new EnvironmentSpec($"minatar/{name}", "minatar", display, 6, [10, 10, channels.Length], channels,
                MinAtarGame.ActionNames, random, double.NaN, $"random: {MeasureNote} (sticky 0.1, ramping on); reference: PPO, to be measured"),
            o => () => create(o));

        Entry ProcGenEntry(string name, string display, string[] channels, double random, double best, Func<EnvironmentOptions, Game> create) => new(
            new EnvironmentSpec($"procgen/{name}", "procgen", display, ProcGenGame.ActionCount, [ProcGenGame.Size, ProcGenGame.Size, channels.Length],
                channels, ProcGenGame.ActionNames, random, best, $"random and solver returns over 1000 training levels: {MeasureNote}"),
            o => () => create(o));

        return
        [
            CatchEntry(8, 8, NormalisationConstants.Catch8x8Random),
            CatchEntry(5, 5, NormalisationConstants.Catch5x5Random),
            MinAtarEntry("asterix", "MinAtar Asterix", Asterix.Channels, NormalisationConstants.AsterixRandom, o => new Asterix(o)),
            MinAtarEntry("breakout", "MinAtar Breakout", Breakout.Channels, NormalisationConstants.BreakoutRandom, o => new Breakout(o)),
            MinAtarEntry("freeway", "MinAtar Freeway", Freeway.Channels, NormalisationConstants.FreewayRandom, o => new Freeway(o)),
            MinAtarEntry("seaquest", "MinAtar Seaquest", Seaquest.Channels, NormalisationConstants.SeaquestRandom, o => new Seaquest(o)),
            MinAtarEntry("space_invaders", "MinAtar Space Invaders", SpaceInvaders.Channels, NormalisationConstants.SpaceInvadersRandom, o => new SpaceInvaders(o)),
            ProcGenEntry("maze", "ProcGen Maze (grid)", MazeGame.Channels, NormalisationConstants.MazeRandom, NormalisationConstants.MazeBest, o => new MazeGame(o)),
            ProcGenEntry("miner", "ProcGen Miner (grid)", MinerGame.Channels, NormalisationConstants.MinerRandom, NormalisationConstants.MinerBest, o => new MinerGame(o)),
            ProcGenEntry("heist", "ProcGen Heist (grid)", HeistGame.Channels, NormalisationConstants.HeistRandom, NormalisationConstants.HeistBest, o => new HeistGame(o)),
            ProcGenEntry("chaser", "ProcGen Chaser (grid)", ChaserGame.Channels, NormalisationConstants.ChaserRandom, NormalisationConstants.ChaserBest, o => new ChaserGame(o)),
            ProcGenEntry("leaper", "ProcGen Leaper (grid)", LeaperGame.Channels, NormalisationConstants.LeaperRandom, NormalisationConstants.LeaperBest, o => new LeaperGame(o)),
        ];
    }
}

/// <summary>
/// Published normalisation constants, measured with <c>platform-workers measure-envs --episodes 1000 --seed 1</c>
/// (random: uniform random actions; best: the suite's solver, ProcGen only). Re-run and update together with rule changes.
/// </summary>
public static class NormalisationConstants
{
    public const double Catch8x8Random = -0.754;
    public const double Catch5x5Random = -0.616;
    public const double AsterixRandom = 0.487;
    public const double BreakoutRandom = 0.507;
    public const double FreewayRandom = 0.143;
    public const double SeaquestRandom = 0.097;
    public const double SpaceInvadersRandom = 2.786;
    public const double MazeRandom = 2.58, MazeBest = 10;
    public const double MinerRandom = 1.924, MinerBest = 14.5;
    public const double HeistRandom = 0.47, HeistBest = 10;
    public const double ChaserRandom = 0.231, ChaserBest = 14.16;
    public const double LeaperRandom = 0.01, LeaperBest = 10;
}
