using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;

namespace Platform.Tests.Environments;

/// <summary>Chaser's rules against ProcGen's easy mode, on hand-built states and on generated levels.</summary>
public class ProcGenChaserRuleTests
{
    private const int Left = 1, Down = 3, Up = 5, Right = 7, UpRight = 8, LeftDown = 0, NoOp = 4, SpecialD = 9;
    private const int Channels = 7, EggChannel = 6, EnemyChannel = 4;

    private static int Idx(int x, int y) => ProcGenGame.Idx(x, y);

    /// <summary>
    /// A hand-built state: a one-cell-wide ring along the maze's border (x or y in {2, 12}), no orbs (the orb count is
    /// kept high so the episode never completes), and all three enemy slots eggs that never hatch, at (12, 7).
    /// </summary>
    private static ChaserGame Ring(int agentX, int agentY)
    {
        var g = new ChaserGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(0));
        Array.Fill(g.Grid, ChaserGame.Wall);
        for (int k = ChaserGame.Lo; k <= ChaserGame.Hi; k++)
        {
            g.Grid[Idx(k, ChaserGame.Lo)] = g.Grid[Idx(k, ChaserGame.Hi)] = ChaserGame.Empty;
            g.Grid[Idx(ChaserGame.Lo, k)] = g.Grid[Idx(ChaserGame.Hi, k)] = ChaserGame.Empty;
        }
        g.RecomputeOpenCells();
        g.OrbsLeft = 99;
        g.PowerTimer = 0;
        g.AgentX = agentX; g.AgentY = agentY; g.VelX = g.VelY = 0;
        for (int e = 0; e < ChaserGame.EnemyCount; e++)
        {
            g.Slot[e] = ChaserGame.SlotEgg;
            g.EggTimer[e] = 1_000_000;
            g.EnemyX[e] = 12; g.EnemyY[e] = 7; g.EnemyDir[e] = -1;
        }
        return g;
    }

    private static void PlaceEnemy(ChaserGame g, int e, int x, int y, int dir)
    {
        g.Slot[e] = ChaserGame.SlotEnemy;
        g.EnemyX[e] = x; g.EnemyY[e] = y; g.EnemyDir[e] = dir;
    }

    [Fact]
    public void EggsHatchIntoEnemiesAfterFiftySteps()
    {
        var g = new ChaserGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(5));
        var cells = new int[ChaserGame.EnemyCount];
        var obs = new float[ProcGenGame.Cells * Channels];
        for (int e = 0; e < ChaserGame.EnemyCount; e++)
        {
            Assert.Equal(ChaserGame.SlotEgg, g.Slot[e]);
            cells[e] = Idx(g.EnemyX[e], g.EnemyY[e]);
        }
        for (int t = 1; t <= 50; t++)
        {
            g.Step(NoOp, out bool done);
            Assert.False(done);
            byte expected = t < 50 ? ChaserGame.SlotEgg : ChaserGame.SlotEnemy;
            for (int e = 0; e < ChaserGame.EnemyCount; e++) Assert.Equal(expected, g.Slot[e]);
        }
        Array.Clear(obs);
        g.WriteObservation(obs);
        for (int e = 0; e < ChaserGame.EnemyCount; e++)
        {
            // Hatched where the egg lay, shown as an enemy, no longer as an egg.
            Assert.Equal(cells[e], Idx(g.EnemyX[e], g.EnemyY[e]));
            Assert.Equal(1, obs[cells[e] * Channels + EnemyChannel]);
            Assert.Equal(0, obs[cells[e] * Channels + EggChannel]);
        }
    }

    [Fact]
    public void AnEatenVulnerableEnemyIsReplacedByANewEggThatHatchesFiftyStepsLater()
    {
        var g = Ring(2, 7);
        PlaceEnemy(g, 0, 2, 8, dir: 3); // moving up into the agent's cell
        g.PowerTimer = 10;
        g.StepCount = 1; // the next step is even: a vulnerable enemy moves
        g.Step(NoOp, out bool done);
        Assert.False(done);
        Assert.False(g.Dead);
        Assert.Equal(ChaserGame.SlotEgg, g.Slot[0]);
        Assert.Equal(ChaserGame.EggSteps, g.EggTimer[0]);
        Assert.NotEqual(ChaserGame.Wall, g.Grid[Idx(g.EnemyX[0], g.EnemyY[0])]);
        for (int t = 1; t < 50; t++) { g.Step(NoOp, out _); Assert.Equal(ChaserGame.SlotEgg, g.Slot[0]); }
        g.Step(NoOp, out _);
        Assert.Equal(ChaserGame.SlotEnemy, g.Slot[0]);

        // The same meeting without power ends the episode.
        g = Ring(2, 7);
        PlaceEnemy(g, 0, 2, 8, dir: 3);
        g.Step(NoOp, out done);
        Assert.True(done);
        Assert.True(g.Dead);
    }

    [Fact]
    public void PowerLastsSeventyFiveSteps()
    {
        var g = Ring(2, 7);
        g.Grid[Idx(2, 6)] = ChaserGame.PowerOrb;
        float r = g.Step(Up, out _);
        Assert.Equal(ChaserGame.OrbReward, r);
        int vulnerableSteps = 1; // the eating step
        while (g.Vulnerable) { vulnerableSteps++; g.Step(NoOp, out _); }
        Assert.Equal(75, vulnerableSteps);

        // Behaviourally: an enemy met on the 75th step is eaten, on the 76th it kills.
        foreach (var (steps, eaten) in new[] { (75, true), (76, false) })
        {
            g = Ring(2, 7);
            g.Grid[Idx(2, 6)] = ChaserGame.PowerOrb;
            g.Step(Up, out _);
            for (int t = 2; t < steps; t++) g.Step(NoOp, out _);
            // The agent stopped at the corner (2, 2); an enemy steps into it from (3, 2), moving left.
            Assert.Equal((2, 2), (g.AgentX, g.AgentY));
            PlaceEnemy(g, 0, 3, 2, dir: 2);
            g.StepCount |= 1; // make the meeting step even, so a vulnerable enemy moves too
            g.Step(NoOp, out bool done);
            Assert.Equal(!eaten, done);
            Assert.Equal(eaten ? ChaserGame.SlotEgg : ChaserGame.SlotEnemy, g.Slot[0]);
        }
    }

    [Theory]
    [InlineData(false, 4)]
    [InlineData(true, 2)]
    public void AgentAndEnemiesMoveOneCellPerStepAndVulnerableEnemiesEveryOtherStep(bool vulnerable, int enemyCells)
    {
        var g = Ring(4, 12);
        PlaceEnemy(g, 0, 4, 2, dir: 0); // along the top side, moving right
        if (vulnerable) g.PowerTimer = 100;
        for (int t = 0; t < 4; t++) Assert.Equal(0, g.Step(Right, out _));
        Assert.Equal((8, 12), (g.AgentX, g.AgentY));
        Assert.Equal((4 + enemyCells, 2), (g.EnemyX[0], g.EnemyY[0]));
    }

    [Fact]
    public void AgentKeepsItsMomentumAndADiagonalMovesOneCellVerticallyFirst()
    {
        var g = Ring(2, 7);
        g.Step(UpRight, out _);
        Assert.Equal((2, 6), (g.AgentX, g.AgentY)); // one cell, up (no corner jump)
        for (int t = 0; t < 4; t++) g.Step(NoOp, out _); // keeps going up to the corner
        Assert.Equal((2, 2), (g.AgentX, g.AgentY));
        g.Step(NoOp, out _); // blocked: stops
        Assert.Equal((2, 2), (g.AgentX, g.AgentY));
        g.Step(UpRight, out _); // up blocked: right
        Assert.Equal((3, 2), (g.AgentX, g.AgentY));
        g.Step(SpecialD, out _); // a special key keeps the momentum
        Assert.Equal((4, 2), (g.AgentX, g.AgentY));
        g.Step(LeftDown, out _); // down blocked: left
        Assert.Equal((3, 2), (g.AgentX, g.AgentY));
        g.Step(Down, out _); // down blocked: momentum left continues
        Assert.Equal((2, 2), (g.AgentX, g.AgentY));
        g.Step(Down, out _);
        Assert.Equal((2, 3), (g.AgentX, g.AgentY));
        g.Step(Left, out _); // left blocked: momentum down continues
        Assert.Equal((2, 4), (g.AgentX, g.AgentY));
    }

    [Fact]
    public void StartPositionVariesAcrossLevelSeeds()
    {
        var g = new ChaserGame(EnvironmentOptions.Default);
        var starts = new HashSet<int>();
        for (int i = 0; i < 200; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            starts.Add(Idx(g.AgentX, g.AgentY));
            Assert.Equal(ChaserGame.Orb, g.Grid[Idx(g.AgentX, g.AgentY)]); // the start holds an orb, as in ProcGen
        }
        Assert.True(starts.Count >= 40, $"only {starts.Count} distinct starts in 200 levels");
    }

    [Fact]
    public void LevelsMatchTheEasyDistribution()
    {
        var g = new ChaserGame(EnvironmentOptions.Default);
        var powerCells = new HashSet<int>[4];
        for (int q = 0; q < 4; q++) powerCells[q] = [];
        for (int i = 0; i < 1000; i++)
        {
            g.LoadLevel(i < 500 ? LevelSeeds.Train(i) : LevelSeeds.Test((ulong)i));
            var perQuadrant = new int[4];
            int orbs = 0;
            for (int y = 0; y < ProcGenGame.Size; y++)
                for (int x = 0; x < ProcGenGame.Size; x++)
                {
                    byte cell = g.Grid[Idx(x, y)];
                    bool inMaze = x >= ChaserGame.Lo && x <= ChaserGame.Hi && y >= ChaserGame.Lo && y <= ChaserGame.Hi;
                    if (!inMaze) { Assert.Equal(ChaserGame.Wall, cell); continue; }
                    // Maze cells (even, even) are open, wall posts (odd, odd) are walls.
                    if (x % 2 == 0 && y % 2 == 0) Assert.NotEqual(ChaserGame.Wall, cell);
                    if (x % 2 == 1 && y % 2 == 1) Assert.Equal(ChaserGame.Wall, cell);
                    if (cell == ChaserGame.Wall) continue;
                    int openNeighbours = 0;
                    foreach (var (dx, dy) in new[] { (1, 0), (-1, 0), (0, 1), (0, -1) })
                        if (g.Grid[Idx(x + dx, y + dy)] != ChaserGame.Wall) openNeighbours++;
                    Assert.True(openNeighbours >= 2, $"level {i}: dead end at ({x}, {y})");
                    if (cell == ChaserGame.Orb) orbs++;
                    if (cell == ChaserGame.PowerOrb)
                    {
                        int q = (x >= ChaserGame.Mid ? 1 : 0) | (y >= ChaserGame.Mid ? 2 : 0);
                        perQuadrant[q]++;
                        powerCells[q].Add(Idx(x, y));
                    }
                }
            Assert.Equal(new[] { 1, 1, 1, 1 }, perQuadrant);
            Assert.Equal(orbs, g.OrbsLeft);
            // Three eggs on distinct orb-free cells, none at the agent's start or on a power orb.
            var eggCells = new HashSet<int> { Idx(g.AgentX, g.AgentY) };
            for (int e = 0; e < ChaserGame.EnemyCount; e++)
            {
                Assert.Equal(ChaserGame.SlotEgg, g.Slot[e]);
                Assert.Equal(ChaserGame.EggSteps, g.EggTimer[e]);
                int c = Idx(g.EnemyX[e], g.EnemyY[e]);
                Assert.True(eggCells.Add(c), $"level {i}: egg {e} shares a cell");
                Assert.Equal(ChaserGame.Empty, g.Grid[c]);
            }
        }
        for (int q = 0; q < 4; q++) Assert.True(powerCells[q].Count >= 15, $"quadrant {q}: power orb in only {powerCells[q].Count} places");
    }

    [Fact]
    public void ALevelReplaysIdenticallyUnderTheSameActionsWhateverTheInstanceStream()
    {
        ulong seed = LevelSeeds.Train(17);
        var a = new ChaserGame(EnvironmentOptions.Default) { Rng = Rng.Create(1) };
        var b = new ChaserGame(EnvironmentOptions.Default) { Rng = Rng.Create(2) };
        a.LoadLevel(seed);
        b.LoadLevel(seed);
        a.Rng = Rng.Create(3); // the instance streams differ, and only pick the next level
        var actions = Rng.Create(99);
        var oa = new float[ProcGenGame.Cells * Channels];
        var ob = new float[ProcGenGame.Cells * Channels];
        int steps = 0, enemySteps = 0;
        for (; steps < 400; steps++)
        {
            int act = actions.Next(15);
            a.SolverAction(); // the solver's look-ahead must not disturb the episode
            float ra = a.Step(act, out bool da), rb = b.Step(act, out bool db);
            Array.Clear(oa); Array.Clear(ob);
            a.WriteObservation(oa); b.WriteObservation(ob);
            Assert.Equal(ra, rb);
            Assert.Equal(da, db);
            Assert.Equal(oa, ob);
            Assert.Equal(a.EnemyDir, b.EnemyDir);
            if (a.Slot.Contains(ChaserGame.SlotEnemy)) enemySteps++;
            if (da) break;
        }
        Assert.True(enemySteps >= 10, $"only {enemySteps} steps with enemies: the replay test saw too little randomness");

        // The in-episode stream is what drives the enemies: another stream gives another episode.
        var c = new ChaserGame(EnvironmentOptions.Default);
        var d = new ChaserGame(EnvironmentOptions.Default);
        int differ = 0;
        for (int level = 0; level < 20; level++)
        {
            c.LoadLevel(LevelSeeds.Train(level));
            d.LoadLevel(LevelSeeds.Train(level));
            d.EpisodeRng = Rng.Create(12345, (ulong)level);
            for (int t = 0; t < 120; t++)
            {
                c.Step(NoOp, out bool dc);
                d.Step(NoOp, out bool dd);
                if (dc || dd) break;
            }
            if ((c.EnemyX[0], c.EnemyY[0], c.EnemyX[1], c.EnemyY[1]) != (d.EnemyX[0], d.EnemyY[0], d.EnemyX[1], d.EnemyY[1])) differ++;
        }
        Assert.True(differ >= 10, $"enemy moves differ in only {differ}/20 levels under another episode stream");
    }

    [Fact]
    public void EveryOrbIsReachableAndTheSolverClearsMostOfAThousandLevels()
    {
        var g = new ChaserGame(EnvironmentOptions.Default);
        var dist = new int[ProcGenGame.Cells];
        int cleared = 0;
        const int levels = 1000;
        for (int i = 0; i < levels; i++)
        {
            ulong seed = i < levels / 2 ? LevelSeeds.Train(i) : LevelSeeds.Test((ulong)i * 7919);
            g.Rng = Rng.Create(seed, 77);
            g.LoadLevel(seed);
            ReadOnlySpan<int> start = [Idx(g.AgentX, g.AgentY)];
            ProcGenGame.Distances(start, (x, y) => g.Grid[Idx(x, y)] != ChaserGame.Wall, dist, orthogonal: true);
            for (int c = 0; c < ProcGenGame.Cells; c++)
                if (g.Grid[c] is ChaserGame.Orb or ChaserGame.PowerOrb) Assert.True(dist[c] >= 0, $"level {i}: orb {c} unreachable");
            float total = 0;
            for (int t = 0; t < g.TimeLimit; t++)
            {
                total += g.Step(g.SolverAction(), out bool done);
                if (done) break;
            }
            if (total >= 10) cleared++;
        }
        Assert.True(cleared >= levels * 95 / 100, $"solver cleared {cleared}/{levels}");
    }
}
