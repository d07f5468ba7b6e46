using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;

namespace Platform.Tests.Environments;

public class ProcGenTests
{
    private static ProcGenGame Make(string name) => name switch
    {
        "maze" => new MazeGame(EnvironmentOptions.Default),
        "miner" => new MinerGame(EnvironmentOptions.Default),
        "heist" => new HeistGame(EnvironmentOptions.Default),
        "chaser" => new ChaserGame(EnvironmentOptions.Default),
        "leaper" => new LeaperGame(EnvironmentOptions.Default),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Plays the solver on a level through the game's own step rules; returns (return, won).</summary>
    private static (float Return, bool Terminal) Solve(ProcGenGame g, ulong levelSeed)
    {
        g.Rng = Rng.Create(levelSeed, 77);
        g.LoadLevel(levelSeed);
        float total = 0;
        for (int t = 0; t < g.TimeLimit; t++)
        {
            total += g.Step(g.SolverAction(), out bool done);
            if (done) return (total, g.StepCount < g.TimeLimit);
        }
        return (total, false);
    }

    [Theory]
    [InlineData("maze", 2000)]
    [InlineData("heist", 2000)]
    [InlineData("leaper", 2000)]
    [InlineData("miner", 1000)]
    public void EveryGeneratedLevelIsSolved(string name, int levels)
    {
        var g = Make(name);
        var failures = new List<int>();
        for (int i = 0; i < levels; i++)
        {
            ulong seed = i < levels / 2 ? LevelSeeds.Train(i) : LevelSeeds.Test((ulong)i * 7919);
            var (ret, won) = Solve(g, seed);
            if (!won || ret < 10) failures.Add(i);
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} unsolved levels, e.g. {string.Join(",", failures.Take(5))}");
    }

    [Fact]
    public void ChaserLevelsHaveEveryOrbReachableAndTheSolverClearsMost()
    {
        var g = (ChaserGame)Make("chaser");
        var dist = new int[ProcGenGame.Cells];
        for (int i = 0; i < 2000; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            ReadOnlySpan<int> start = [ProcGenGame.Idx(g.AgentX, g.AgentY)];
            ProcGenGame.Distances(start, (x, y) => g.Grid[ProcGenGame.Idx(x, y)] != ChaserGame.Wall, dist);
            for (int c = 0; c < ProcGenGame.Cells; c++)
                if (g.Grid[c] is ChaserGame.Orb or ChaserGame.PowerOrb) Assert.True(dist[c] >= 0, $"level {i}: orb {c} unreachable");
        }
        int cleared = 0;
        for (int i = 0; i < 100; i++) if (Solve(g, LevelSeeds.Train(i)).Return >= 10) cleared++;
        Assert.True(cleared >= 60, $"solver cleared {cleared}/100");
    }

    // Maze: ProcGenMazeHeistRuleTests.MazeTrainAndTestLevelsShareLayoutsOnlyAmongTheSmallestMazes (its 3- and 5-cell
    // mazes have 24 and 3,072 layouts, as in ProcGen, so a test level can repeat a training layout).
    [Theory]
    [InlineData("miner")]
    [InlineData("heist")]
    [InlineData("chaser")]
    [InlineData("leaper")]
    public void TrainLevelsNeverProduceTestLevels(string name)
    {
        var g = Make(name);
        // Leaper's lane-free levels (a quarter of easy mode, as in the original) differ only in the start column.
        static bool Trivial(ProcGenGame g) => g is LeaperGame { Lanes: 0 };
        var train = new HashSet<ulong>();
        int considered = 0;
        for (int i = 0; i < 200; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            if (Trivial(g)) continue;
            considered++;
            train.Add(g.LayoutHash());
        }
        Assert.True(train.Count >= considered - 5 && considered >= 100, $"only {train.Count} distinct training layouts");
        var rng = Rng.Create(3);
        for (int k = 0; k < 1000; k++)
        {
            ulong seed = LevelSeeds.Sample(ref rng, 200, test: true);
            g.LoadLevel(seed);
            if (Trivial(g)) continue;
            Assert.DoesNotContain(g.LayoutHash(), train);
        }
        // Same seed, same level.
        g.LoadLevel(LevelSeeds.Train(17));
        ulong h = g.LayoutHash();
        g.LoadLevel(LevelSeeds.Train(3));
        g.LoadLevel(LevelSeeds.Train(17));
        Assert.Equal(h, g.LayoutHash());
    }

    [Fact]
    public void ARunsTrainingUsesOnlyItsTrainLevelsAndItsTestEvaluationNoneOfThem()
    {
        // The options the trainer's actors and `evaluate --levels train|test` build from a run's configuration.
        var config = new Platform.Workers.Learning.TrainConfig { Env = "procgen/maze", TrainLevels = 5 };
        var trainSeeds = Enumerable.Range(0, 5).Select(LevelSeeds.Train).ToHashSet();
        HashSet<ulong> Seen(EnvironmentOptions options)
        {
            var env = (BatchedEnvironment)EnvironmentRegistry.Create("procgen/maze", 8, 3, options);
            var obs = new float[8 * env.Spec.ObservationSize];
            var (r, t, actions) = (new float[8], new bool[8], new int[8]);
            var rng = Rng.Create(5);
            env.Reset(obs);
            var seen = new HashSet<ulong>();
            for (int k = 0; k < 4000; k++)
            {
                for (int i = 0; i < 8; i++) { seen.Add(((ProcGenGame)env.GameAt(i)).LevelSeed); actions[i] = rng.Next(15); }
                env.Step(actions, obs, r, t);
            }
            return seen;
        }

        var training = Seen(config.EnvironmentOptions());
        Assert.Subset(trainSeeds, training);
        Assert.Equal(5, training.Count);
        var test = Seen(config.EnvironmentOptions(testLevels: true));
        Assert.True(test.Count > 8, $"only {test.Count} test levels seen");
        Assert.Empty(test.Intersect(Enumerable.Range(0, 1000).Select(LevelSeeds.Train)));
    }

    [Fact]
    public void TrainLevelsOptionLimitsTheLevelSet()
    {
        var env = (BatchedEnvironment)EnvironmentRegistry.Create("procgen/maze", 4, 1, new EnvironmentOptions { TrainLevels = 3 });
        var allowed = Enumerable.Range(0, 3).Select(LevelSeeds.Train).ToHashSet();
        var obs = new float[4 * env.Spec.ObservationSize];
        env.Reset(obs);
        var seen = new HashSet<ulong>();
        var r = new float[4];
        var t = new bool[4];
        var rng = Rng.Create(8);
        for (int k = 0; k < 3000; k++)
        {
            for (int i = 0; i < 4; i++) seen.Add(((ProcGenGame)env.GameAt(i)).LevelSeed);
            env.Step([rng.Next(15), rng.Next(15), rng.Next(15), rng.Next(15)], obs, r, t);
        }
        Assert.Subset(allowed, seen);
        Assert.Equal(3, seen.Count);

        var test = (BatchedEnvironment)EnvironmentRegistry.Create("procgen/maze", 2, 1, new EnvironmentOptions { UseTestLevels = true });
        test.Reset(new float[2 * env.Spec.ObservationSize]);
        var trainSeeds = Enumerable.Range(0, 200).Select(LevelSeeds.Train).ToHashSet();
        Assert.DoesNotContain(((ProcGenGame)test.GameAt(0)).LevelSeed, trainSeeds);
    }

    [Fact]
    public void MazeCheeseGivesTenAndTimeoutIs500()
    {
        var g = (MazeGame)Make("maze");
        g.LoadLevel(LevelSeeds.Train(0));
        int steps = 0;
        bool done;
        do { g.Step(ProcGenGame.NoOp, out done); steps++; } while (!done);
        Assert.Equal(500, steps);
        Assert.Equal(10, Solve(g, LevelSeeds.Train(0)).Return);
    }

    [Fact]
    public void MinerFallingBoulderKillsAndDiamondsScore()
    {
        var g = (MinerGame)Make("miner");
        g.LoadLevel(LevelSeeds.Train(0));
        Array.Fill(g.Grid, MinerGame.Wall);
        for (int y = 1; y <= 6; y++) g.Grid[ProcGenGame.Idx(5, y)] = MinerGame.Empty;
        g.Grid[ProcGenGame.Idx(5, 1)] = MinerGame.Boulder;
        g.Grid[ProcGenGame.Idx(6, 6)] = MinerGame.Diamond;
        g.DiamondsLeft = 1;
        g.AgentX = 5; g.AgentY = 6;
        Array.Clear(g.Falling);
        float total = 0;
        bool done = false;
        for (int k = 0; k < 5 && !done; k++) total += g.Step(ProcGenGame.NoOp, out done);
        Assert.True(done);
        Assert.True(g.Dead);
        Assert.Equal(0, total);

        g.LoadLevel(LevelSeeds.Train(0));
        Array.Fill(g.Grid, MinerGame.Wall);
        g.Grid[ProcGenGame.Idx(5, 5)] = MinerGame.Empty;
        g.Grid[ProcGenGame.Idx(6, 5)] = MinerGame.Diamond;
        g.Grid[ProcGenGame.Idx(7, 5)] = MinerGame.Empty;
        g.ExitIdx = ProcGenGame.Idx(7, 5);
        g.DiamondsLeft = 1;
        g.AgentX = 5; g.AgentY = 5;
        Array.Clear(g.Falling);
        Assert.Equal(1, g.Step(7, out done));
        Assert.False(done);
        Assert.Equal(10, g.Step(7, out done));
        Assert.True(done);
    }
}
