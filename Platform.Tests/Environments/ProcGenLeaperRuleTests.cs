using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;
using static Platform.Workers.Environments.ProcGen.LeaperGame;

namespace Platform.Tests.Environments;

/// <summary>Leaper against ProcGen's easy mode: level distribution, and scripted rules on hand-built lanes.</summary>
public class ProcGenLeaperRuleTests
{
    private const int Channels = 6;
    private const int Up = 5, Down = 3, Left = 1, Right = 7, LeftDown = 0, LeftUp = 2, RightDown = 6, RightUp = 8;

    private static LeaperGame Make() => new(EnvironmentOptions.Default);

    /// <summary>A training level with at least <paramref name="lanes"/> road and water lanes.</summary>
    private static LeaperGame Level(int lanes)
    {
        var g = Make();
        for (int i = 0; ; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            if (g.Lanes >= lanes) return g;
        }
    }

    /// <summary>Makes lane row y move one cell every other step (offset 0, 1, 1, 2, … in direction dir) with no objects.</summary>
    private static void HandBuild(LeaperGame g, int y, int dir)
    {
        g.RowDir[y] = dir;
        g.RowSpeed[y] = 0.5;
        g.RowPhase[y] = 0.5;
        g.Pattern[y] = 0;
    }

    private static float[] Observe(LeaperGame g)
    {
        var o = new float[ProcGenGame.Cells * Channels];
        g.WriteObservation(o);
        return o;
    }

    [Fact]
    public void LaneCountsCoverZeroToThreeEquallyAndTheWorldIsNineWide()
    {
        var g = Make();
        var counts = new int[4];
        const int levels = 2000;
        for (int i = 0; i < levels; i++)
        {
            g.LoadLevel(i < levels / 2 ? LevelSeeds.Train(i) : LevelSeeds.Test((ulong)i));
            int roads = g.RowKind.Count(k => k == Road), rivers = g.RowKind.Count(k => k == River);
            Assert.Equal(roads, rivers); // easy mode draws one difficulty for both
            Assert.InRange(roads, 0, 3);
            counts[roads]++;
            // Bottom to top: start, roads, median, rivers, finish; rows above are empty.
            Assert.Equal(StartRow - 2 - 2 * roads, g.FinishRow);
            Assert.Equal(StartRow, g.AgentY);
            Assert.InRange(g.AgentX, X0, X0 + WorldSize - 1);
            var o = Observe(g);
            for (int y = 0; y < ProcGenGame.Size; y++)
                for (int x = 0; x < ProcGenGame.Size; x++)
                {
                    bool inWorld = x >= X0 && x < X0 + WorldSize && y >= Y0 && y < Y0 + WorldSize;
                    Assert.Equal(inWorld ? 0f : 1f, o[ProcGenGame.Idx(x, y) * Channels]);
                }
        }
        Assert.Equal(9, Enumerable.Range(0, ProcGenGame.Size).Count(x => Observe(g)[ProcGenGame.Idx(x, StartRow) * Channels] == 0));
        for (int d = 0; d < 4; d++)
            Assert.InRange(counts[d], levels / 4 - 150, levels / 4 + 150); // uniform over 0..3: lane-free levels occur
    }

    [Fact]
    public void LaneSpeedsDirectionsAndDensitiesFollowEasyMode()
    {
        var g = Make();
        long carCells = 0, roadCells = 0, logCells = 0, riverCells = 0;
        int startColumns = 0;
        var seenStart = new bool[WorldSize];
        for (int i = 0; i < 1000; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            if (!seenStart[g.AgentX - X0]) { seenStart[g.AgentX - X0] = true; startColumns++; }
            if (g.Redraws > 0) continue; // a redrawn level is conditioned on being solvable
            int lastRiverDir = 0;
            for (int y = StartRow; y > g.FinishRow; y--)
            {
                if (g.RowKind[y] == Road) Assert.InRange(g.RowSpeed[y], MinCarSpeed, MaxCarSpeed);
                if (g.RowKind[y] != River) continue;
                Assert.InRange(g.RowSpeed[y], MinLogSpeed, MaxLogSpeed);
                if (lastRiverDir != 0) Assert.Equal(-lastRiverDir, g.RowDir[y]); // water lanes alternate
                lastRiverDir = g.RowDir[y];
            }
            for (int t = 0; t < 100; t += 10)
                for (int y = g.FinishRow + 1; y < StartRow; y++)
                    for (int x = X0; x < X0 + WorldSize; x++)
                    {
                        if (g.RowKind[y] == Road) { roadCells++; if (g.Occupied(x, y, t)) carCells++; }
                        if (g.RowKind[y] == River) { riverCells++; if (g.Occupied(x, y, t)) logCells++; }
                    }
        }
        Assert.Equal(WorldSize, startColumns); // the frog starts in a random column
        Assert.InRange((double)carCells / roadCells, CarDensity - 0.02, CarDensity + 0.02);
        Assert.InRange((double)logCells / riverCells, LogDensity - 0.03, LogDensity + 0.03);
    }

    [Fact]
    public void TheFrogRidesALogAndDrownsOffIt()
    {
        var g = Level(1);
        int y = g.FinishRow + 1;
        HandBuild(g, y, +1);
        g.SetObject(X0 + 4, y, 0, true);
        g.AgentX = X0 + 4; g.AgentY = y;
        // t 0 -> 1: the lane shifts right by one; the frog moves with its log.
        Assert.Equal(0, g.Step(ProcGenGame.NoOp, out bool done));
        Assert.False(done);
        Assert.Equal((X0 + 5, y), (g.AgentX, g.AgentY));
        Assert.Equal(1f, Observe(g)[ProcGenGame.Idx(X0 + 5, y) * Channels + 3]); // log under the frog
        // t 1 -> 2: no shift; hopping right leaves the log for water.
        g.Step(Right, out done);
        Assert.True(done);
        Assert.True(g.Dead);
    }

    [Fact]
    public void HoppingOntoALogSeenInTheObservationLandsOnIt()
    {
        var g = Level(1);
        int y = g.FinishRow + 1, below = y + 1; // the top river lane and the lane or median below it
        HandBuild(g, y, -1);
        if (g.RowKind[below] is Road or River) { HandBuild(g, below, +1); g.SetObject(X0 + 3, below, 0, true); }
        g.SetObject(X0 + 3, y, 0, true);
        g.AgentX = X0 + 3; g.AgentY = below;
        Assert.Equal(1f, Observe(g)[ProcGenGame.Idx(X0 + 3, y) * Channels + 3]);
        g.Step(Up, out bool done);
        Assert.False(done);
        Assert.Equal((X0 + 2, y), (g.AgentX, g.AgentY)); // landed and carried left with the log
        // Hop up into the finish: +10, episode over.
        Assert.Equal(10, g.Step(Up, out done));
        Assert.True(done);
        Assert.False(g.Dead);
    }

    [Fact]
    public void AFrogCarriedPastTheEdgeDies()
    {
        var g = Level(1);
        int y = g.FinishRow + 1;
        HandBuild(g, y, +1);
        for (int x = X0; x < X0 + WorldSize; x++) g.SetObject(x, y, 0, true);
        g.AgentX = X0 + WorldSize - 1; g.AgentY = y;
        g.Step(ProcGenGame.NoOp, out bool done);
        Assert.True(done);
        Assert.True(g.Dead);
    }

    [Fact]
    public void CarsKillOnTheirCellAndHeadOn()
    {
        var g = Level(1);
        int y = StartRow - 1; // the bottom road lane
        Assert.Equal(Road, g.RowKind[y]);
        // The car moves left into the cell the frog hops up to.
        HandBuild(g, y, -1);
        g.SetObject(X0 + 5, y, 0, true);
        Assert.Equal(1f, Observe(g)[ProcGenGame.Idx(X0 + 5, y) * Channels + 2]);
        g.AgentX = X0 + 4; g.AgentY = StartRow;
        g.Step(Up, out bool done);
        Assert.True(done && g.Dead);

        // Same car, frog hops up one column to the left: safe.
        g.LoadLevel(g.LevelSeed);
        HandBuild(g, y, -1);
        g.SetObject(X0 + 5, y, 0, true);
        g.AgentX = X0 + 3; g.AgentY = StartRow;
        g.Step(Up, out done);
        Assert.False(done);
        Assert.Equal((X0 + 3, y), (g.AgentX, g.AgentY));

        // Head-on: the frog hops right into a car that moves left into the frog's old cell.
        g.LoadLevel(g.LevelSeed);
        HandBuild(g, y, -1);
        g.SetObject(X0 + 5, y, 0, true);
        g.AgentX = X0 + 4; g.AgentY = y;
        g.Step(Right, out done);
        Assert.True(done && g.Dead);

        // Standing still in a road lane as a car arrives.
        g.LoadLevel(g.LevelSeed);
        HandBuild(g, y, +1);
        g.SetObject(X0 + 1, y, 0, true);
        g.AgentX = X0 + 2; g.AgentY = y;
        g.Step(ProcGenGame.NoOp, out done);
        Assert.True(done && g.Dead);
    }

    [Fact]
    public void DiagonalsHopHorizontallyAndSpecialKeysAndEdgesDoNotMove()
    {
        var g = Level(0);
        g.AgentX = X0 + 4; g.AgentY = StartRow;
        g.Step(RightUp, out _); Assert.Equal((X0 + 5, StartRow), (g.AgentX, g.AgentY));
        g.Step(RightDown, out _); Assert.Equal((X0 + 6, StartRow), (g.AgentX, g.AgentY));
        g.Step(LeftUp, out _); Assert.Equal((X0 + 5, StartRow), (g.AgentX, g.AgentY));
        g.Step(LeftDown, out _); Assert.Equal((X0 + 4, StartRow), (g.AgentX, g.AgentY));
        for (int a = 9; a < 15; a++) { g.Step(a, out _); Assert.Equal((X0 + 4, StartRow), (g.AgentX, g.AgentY)); }
        g.Step(Down, out _); Assert.Equal((X0 + 4, StartRow), (g.AgentX, g.AgentY)); // bottom edge
        g.AgentX = X0;
        g.Step(Left, out bool done); Assert.Equal((X0, StartRow), (g.AgentX, g.AgentY)); // left edge
        Assert.False(done);
    }

    [Fact]
    public void TheFinishGivesTenAndTheTimeLimitIsOneHundredHops()
    {
        var g = Level(0);
        g.LoadLevel(g.LevelSeed);
        int steps = 0;
        bool done;
        float total = 0;
        do { total += g.Step(ProcGenGame.NoOp, out done); steps++; } while (!done);
        Assert.Equal(100, steps); // 500 original frames, 5 frames per hop
        Assert.Equal(0, total);
        Assert.False(g.Dead);

        g.LoadLevel(g.LevelSeed);
        g.AgentX = X0 + 2; g.AgentY = g.FinishRow + 1;
        Assert.Equal(10, g.Step(Up, out done));
        Assert.True(done);
    }

    [Fact]
    public void TheSolverCrossesEveryLevelAndLevelsAreDeterministic()
    {
        var a = Make();
        var b = Make();
        var rng = Rng.Create(11);
        int redrawn = 0;
        const int levels = 1500;
        for (int i = 0; i < levels; i++)
        {
            ulong seed = i % 2 == 0 ? LevelSeeds.Train(i) : LevelSeeds.Test((ulong)i * 31);
            a.LoadLevel(seed);
            b.LoadLevel(LevelSeeds.Train(i + 1));
            b.LoadLevel(seed);
            Assert.Equal(a.LayoutHash(), b.LayoutHash());
            if (a.Redraws > 0) redrawn++;
            // Same actions, same observations, same outcome, on two instances.
            if (i % 50 == 0)
                for (int t = 0; t < 30; t++)
                {
                    int act = rng.Next(15);
                    float ra = a.Step(act, out bool da), rb = b.Step(act, out bool db);
                    Assert.Equal((ra, da), (rb, db));
                    Assert.Equal(Observe(a), Observe(b));
                    if (da) break;
                }
            a.LoadLevel(seed);
            float total = 0;
            bool done = false;
            while (!done) total += a.Step(a.SolverAction(), out done);
            Assert.True(total == 10 && a.StepCount < a.TimeLimit, $"level {i} not crossed");
            Assert.True(a.StepCount >= 2 + 2 * a.Lanes); // no shortcut: one row per hop
        }
        Assert.True(redrawn < levels / 20, $"{redrawn} levels needed redrawing"); // the distribution is barely conditioned
    }
}
