namespace Platform.Data.Environments;

/// <summary>A family of environments whose scores are normalised the same way.</summary>
/// <param name="Id">Stable id: <c>catch</c>, <c>minatar</c> or <c>procgen</c> (the environment ids' prefix).</param>
/// <param name="Name">Display name.</param>
/// <param name="Aliases">Other names users may give for the suite (<c>atari</c> is MinAtar).</param>
/// <param name="EnvironmentIds">The suite's environments, in catalogue order.</param>
/// <param name="Title">How pages and leaderboards head the suite ("Atari (MinAtar)").</param>
public sealed record SuiteSpec(string Id, string Name, string Title, string Description, IReadOnlyList<string> Aliases, IReadOnlyList<string> EnvironmentIds);

/// <summary>
/// Every suite and environment id the platform knows, with the metadata the learner, the API and the UI share, declared
/// once: the workers' <c>EnvironmentRegistry</c> adds only the factories, the API upserts the suites and environments
/// tables from here at start, and the games read their sizes from here. Ids are stable: the API, the UI and stored
/// experiments refer to them. The channel order of each environment is the order its game writes the observation in.
/// Normalisation constants: <see cref="EnvironmentSpec.RandomReturn"/> is the mean return of the uniform random policy
/// and <see cref="EnvironmentSpec.ReferenceReturn"/> the best achievable (ProcGen: our solver; Catch: 1), both measured by
/// <c>platform-workers measure-envs --episodes 1000 --seed 1</c> (see BENCHMARKS.md). MinAtar's reference (PPO) return
/// is measured by another issue and is NaN until then.
/// </summary>
public static class EnvironmentCatalog
{
    /// <summary>MinAtar's grid is 10×10.</summary>
    public const int MinAtarGridSize = 10;

    /// <summary>The ProcGen-style games' grid is 15×15 (smaller levels are padded with walls).</summary>
    public const int ProcGenGridSize = 15;

    /// <summary>Catch's paddle moves −1/0/+1 (actions 0/1/2).</summary>
    public static IReadOnlyList<string> CatchActionNames { get; } = Array.AsReadOnly<string>(["left", "stay", "right"]);

    /// <summary>The full MinAtar action set every game gets (actions a game ignores act as no-op).</summary>
    public static IReadOnlyList<string> MinAtarActionNames { get; } = Array.AsReadOnly<string>(["noop", "left", "up", "right", "down", "fire"]);

    /// <summary>ProcGen's 15 actions: the eight moves, no-op, and the special keys d, a, w, s, q, e.</summary>
    public static IReadOnlyList<string> ProcGenActionNames { get; } = Array.AsReadOnly<string>(
        ["left_down", "left", "left_up", "down", "noop", "up", "right_down", "right", "right_up", "d", "a", "w", "s", "q", "e"]);

    private const string MeasureNote = "measure-envs --episodes 1000 --seed 1";

    public static IReadOnlyList<EnvironmentSpec> All { get; } = Array.AsReadOnly(BuildEnvironments());

    public static IEnumerable<string> Ids => All.Select(s => s.Id);

    public static IReadOnlyList<SuiteSpec> Suites { get; } = Array.AsReadOnly(BuildSuites());

    /// <summary>
    /// Every name a user may give for a suite (ids and aliases, case-insensitive) → the suite id, each suite's id then
    /// its aliases, in catalogue order.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SuiteNames { get; } = Suites
        .SelectMany(s => s.Aliases.Prepend(s.Id).Select(name => KeyValuePair.Create(name, s.Id)))
        .ToDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Suites of the paper the platform does not run, by id → display name: what a published rule or an uploaded
    /// meta-network may have been meta-trained on. Atari is the paper's 57 games; MinAtar, which stands in for it here,
    /// takes its id as an alias (<see cref="SuiteNames"/>), so a rule trained on Atari counts as in distribution on MinAtar.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PaperSuites { get; } = new Dictionary<string, string>
    {
        ["atari"] = "Atari", ["dmlab"] = "DMLab",
    };

    /// <summary>The spec of <paramref name="id"/>; an unknown id throws <see cref="UnknownEnvironmentException"/>.</summary>
    public static EnvironmentSpec Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        foreach (var s in All)
            if (s.Id == id) return s;
        throw new UnknownEnvironmentException(id, Ids);
    }

    public static bool Contains(string id) => All.Any(s => s.Id == id);

    private static EnvironmentSpec[] BuildEnvironments()
    {
        EnvironmentSpec Catch(int rows, int cols, double random, string description) => new(
            $"catch/{rows}x{cols}", "catch", $"Catch {rows}×{cols}", CatchActionNames.Count, [rows, cols, 1], ["ball_and_paddle"],
            CatchActionNames, random, 1.0, $"random: {MeasureNote}; reference: every ball caught") { Description = description };

        EnvironmentSpec MinAtar(string name, string display, string[] channels, double random, string description) => new(
            $"minatar/{name}", "minatar", display, MinAtarActionNames.Count, [MinAtarGridSize, MinAtarGridSize, channels.Length], channels,
            MinAtarActionNames, random, double.NaN, $"random: {MeasureNote} (sticky 0.1, ramping on); reference: PPO, to be measured")
            { Description = description };

        EnvironmentSpec ProcGen(string name, string display, string[] channels, double random, double best, string description) => new(
            $"procgen/{name}", "procgen", display, ProcGenActionNames.Count, [ProcGenGridSize, ProcGenGridSize, channels.Length],
            channels, ProcGenActionNames, random, best, $"random and solver returns over 1000 training levels: {MeasureNote}")
            { Description = description };

        return
        [
            Catch(8, 8, NormalisationConstants.Catch8x8Random, "Catch on an 8x8 board."),
            Catch(5, 5, NormalisationConstants.Catch5x5Random, "Catch on a 5x5 board."),
            // trail: the cell behind each entity.
            MinAtar("asterix", "MinAtar Asterix", ["player", "enemy", "trail", "gold"], NormalisationConstants.AsterixRandom,
                "Move through eight lanes picking up gold (+1) while enemies stream in from the sides, faster as time goes on; touching an enemy ends the episode."),
            // trail: the ball's previous cell.
            MinAtar("breakout", "MinAtar Breakout", ["paddle", "ball", "trail", "brick"], NormalisationConstants.BreakoutRandom,
                "Slide a paddle along the bottom row to bounce a diagonally moving ball into the rows of bricks above (+1 a brick); letting the ball past ends the episode."),
            // speed1..speed5: the cell behind each car, by speed.
            MinAtar("freeway", "MinAtar Freeway", ["chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"],
                NormalisationConstants.FreewayRandom,
                "Walk a chicken up across eight lanes of cars (+1 a crossing) as often as 2,500 steps allow; a car that hits it sends it back to the bottom."),
            MinAtar("seaquest", "MinAtar Seaquest",
                ["sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet", "enemy_fish", "enemy_sub", "oxygen_gauge", "diver_gauge", "diver"],
                NormalisationConstants.SeaquestRandom,
                "Steer a submarine that shoots fish and enemy submarines (+1 each) and picks up divers, surfacing with divers aboard for air before its oxygen runs out."),
            // alien_left, alien_right: the alien cells, by the block's current direction.
            MinAtar("space_invaders", "MinAtar Space Invaders", ["cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"],
                NormalisationConstants.SpaceInvadersRandom,
                "Move a cannon along the bottom row and shoot down a block of aliens (+1 each) that marches sideways and down, faster as it thins; their bullets end the episode."),
            ProcGen("maze", "ProcGen Maze (grid)", ["wall", "agent", "cheese"], NormalisationConstants.MazeRandom, NormalisationConstants.MazeBest,
                "Find the cheese (+10) in a square maze 3 to 15 cells wide, generated anew for every level."),
            ProcGen("miner", "ProcGen Miner (grid)", ["wall", "dirt", "boulder", "diamond", "exit", "agent"],
                NormalisationConstants.MinerRandom, NormalisationConstants.MinerBest,
                "Dig through a mine for its diamonds (+1 each) without being crushed by falling boulders, then reach the exit (+10)."),
            ProcGen("heist", "ProcGen Heist (grid)", ["wall", "agent", "gem", "door_blue", "door_green", "door_red", "key_blue", "key_green", "key_red"],
                NormalisationConstants.HeistRandom, NormalisationConstants.HeistBest,
                "Collect coloured keys that open the matching doors of a maze and take the gem behind the last door (+10)."),
            ProcGen("chaser", "ProcGen Chaser (grid)", ["wall", "agent", "orb", "power_orb", "enemy", "enemy_vulnerable", "egg"],
                NormalisationConstants.ChaserRandom, NormalisationConstants.ChaserBest,
                "Eat every orb of a maze (+10 for the last) while enemies hunt you; a power orb makes them vulnerable for a while."),
            ProcGen("leaper", "ProcGen Leaper (grid)", ["wall", "agent", "car", "log", "water", "finish"],
                NormalisationConstants.LeaperRandom, NormalisationConstants.LeaperBest,
                "Hop a frog across lanes of cars and then a river on drifting logs to the finish (+10); a car, the water or the edge ends the episode."),
        ];
    }

    private static SuiteSpec[] BuildSuites()
    {
        SuiteSpec Suite(string id, string name, string title, string description, params string[] aliases) =>
            new(id, name, title, description, Array.AsReadOnly(aliases), All.Where(e => e.Suite == id).Select(e => e.Id).ToList().AsReadOnly());

        // In the order pages show them: the paper's two suites first.
        return
        [
            Suite("minatar", "MinAtar", "Atari (MinAtar)", "Miniature Atari games on a 10x10 grid.", "atari"),
            Suite("procgen", "ProcGen", "ProcGen", "Procedurally generated games; tests generalisation across levels."),
            Suite("catch", "Catch", "Catch", "bsuite-style Catch: a falling ball and a paddle; tiny, for smoke tests and fast meta-training."),
        ];
    }
}

/// <summary>
/// Published normalisation constants, measured with <c>platform-workers measure-envs --episodes 10000 --seed 1</c>
/// (random: uniform random actions, each parallel environment contributing a share of the episodes fixed in advance,
/// so short episodes are not favoured; best: the suite's solver, ProcGen only). Standard errors in BENCHMARKS.md.
/// Re-run and update together with rule changes.
/// </summary>
public static class NormalisationConstants
{
    public const double Catch8x8Random = -0.761;
    public const double Catch5x5Random = -0.598;
    public const double AsterixRandom = 0.489;
    public const double BreakoutRandom = 0.529;
    public const double FreewayRandom = 0.124;
    public const double SeaquestRandom = 0.108;
    public const double SpaceInvadersRandom = 2.849;
    // ProcGen-style games re-measured 2026-12-07 after they took ProcGen's easy-mode levels and mechanics.
    public const double MazeRandom = 4.696, MazeBest = 10;
    public const double MinerRandom = 1.175, MinerBest = 13;
    public const double HeistRandom = 5.383, HeistBest = 10;
    public const double ChaserRandom = 1.014, ChaserBest = 13.059;
    public const double LeaperRandom = 2.008, LeaperBest = 10;
}
