using Platform.Data.Entities;

namespace Platform.Data;

/// <summary>
/// Suites and environments every installation knows (seeded by the migrations). Normalisation constants are
/// left null until they are measured on this platform's implementations.
/// </summary>
public static class SeedData
{
    public static readonly SuiteRecord[] Suites =
    [
        new() { Id = "catch", Name = "Catch", Description = "bsuite-style Catch: a falling ball and a paddle; tiny, for smoke tests and fast meta-training." },
        new() { Id = "minatar", Name = "MinAtar", Description = "Miniature Atari games on a 10x10 grid." },
        new() { Id = "procgen", Name = "Procgen", Description = "Procedurally generated games; tests generalisation across levels." },
    ];

    public static readonly EnvironmentRecord[] Environments =
    [
        Env("catch", "8x8", "Catch on an 8x8 board."),
        Env("catch", "5x5", "Catch on a 5x5 board."),
        Env("minatar", "asterix"), Env("minatar", "breakout"), Env("minatar", "freeway"),
        Env("minatar", "seaquest"), Env("minatar", "space_invaders"),
        Env("procgen", "maze"), Env("procgen", "miner"), Env("procgen", "heist"),
        Env("procgen", "chaser"), Env("procgen", "leaper"),
    ];

    private static EnvironmentRecord Env(string suite, string name, string? description = null) =>
        new() { Id = $"{suite}/{name}", SuiteId = suite, Name = name, Description = description };
}
