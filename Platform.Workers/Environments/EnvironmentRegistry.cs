using Platform.Data.Environments;
using Platform.Workers.Environments.Catch;
using Platform.Workers.Environments.MinAtar;
using Platform.Workers.Environments.ProcGen;

namespace Platform.Workers.Environments;

/// <summary>
/// The games behind the environment ids of <see cref="EnvironmentCatalog"/> (which declares the ids and their metadata,
/// torch-free, for the API too). Every catalogue id has exactly one factory here and every factory a catalogue id; the
/// registry checks that when it is first used and refuses to work otherwise.
/// </summary>
public static class EnvironmentRegistry
{
    private static readonly IReadOnlyDictionary<string, Func<EnvironmentOptions, Func<Game>>> Factories;

    // An explicit static constructor, so the check runs before any member is used, not only before Create.
    static EnvironmentRegistry() => Factories = CheckedFactories();

    public static IReadOnlyList<EnvironmentSpec> All => EnvironmentCatalog.All;

    public static IEnumerable<string> Ids => EnvironmentCatalog.Ids;

    /// <summary>The spec of <paramref name="id"/>; an unknown id throws <see cref="UnknownEnvironmentException"/>.</summary>
    public static EnvironmentSpec Get(string id) => EnvironmentCatalog.Get(id);

    public static bool Contains(string id) => EnvironmentCatalog.Contains(id);

    /// <summary>Creates <paramref name="batchSize"/> environments of <paramref name="id"/>; environment i uses stream i of <paramref name="seed"/>.</summary>
    public static IBatchedEnvironment Create(string id, int batchSize, ulong seed, EnvironmentOptions? options = null)
    {
        var spec = EnvironmentCatalog.Get(id);
        options ??= EnvironmentOptions.Default;
        options.Validate();
        return new BatchedEnvironment(spec, batchSize, seed, Factories[id](options));
    }

    /// <summary>The ids that have a game (the test that they are the catalogue's reads them).</summary>
    internal static IEnumerable<string> FactoryIds => Factories.Keys;

    /// <summary>One game of <paramref name="id"/>, outside a batch (for tests that compare it with its catalogue entry).</summary>
    internal static Game CreateGame(string id, EnvironmentOptions options) => Factories[id](options)();

    private static Dictionary<string, Func<EnvironmentOptions, Func<Game>>> CheckedFactories()
    {
        var factories = new Dictionary<string, Func<EnvironmentOptions, Func<Game>>>
        {
            ["catch/8x8"] = _ => () => new CatchGame(8, 8),
            ["catch/5x5"] = _ => () => new CatchGame(5, 5),
            ["minatar/asterix"] = o => () => new Asterix(o),
            ["minatar/breakout"] = o => () => new Breakout(o),
            ["minatar/freeway"] = o => () => new Freeway(o),
            ["minatar/seaquest"] = o => () => new Seaquest(o),
            ["minatar/space_invaders"] = o => () => new SpaceInvaders(o),
            ["procgen/maze"] = o => () => new MazeGame(o),
            ["procgen/miner"] = o => () => new MinerGame(o),
            ["procgen/heist"] = o => () => new HeistGame(o),
            ["procgen/chaser"] = o => () => new ChaserGame(o),
            ["procgen/leaper"] = o => () => new LeaperGame(o),
        };
        var missing = EnvironmentCatalog.Ids.Where(id => !factories.ContainsKey(id)).ToList();
        var unknown = factories.Keys.Where(id => !EnvironmentCatalog.Contains(id)).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
            throw new InvalidOperationException("EnvironmentRegistry and EnvironmentCatalog disagree: "
                + $"no game for [{string.Join(", ", missing)}], no catalogue entry for [{string.Join(", ", unknown)}]");
        return factories;
    }
}
