using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;

namespace Platform.Tests.Environments;

/// <summary>Miner's rules on hand-built states, checked against ProcGen's miner (easy mode), and its level generator.</summary>
public class ProcGenMinerRuleTests
{
    private const int Left = 1, Down = 3, Up = 5, Right = 7, LeftDown = 0, LeftUp = 2, RightDown = 6, RightUp = 8;
    private static int I(int x, int y) => ProcGenGame.Idx(x, y);

    /// <summary>A walled room with empty cells x 3..11, y 3..8 (floor row 8), the miner at (x, y), the exit in the wall.</summary>
    private static MinerGame Room(int x, int y)
    {
        var g = new MinerGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(0));
        Array.Fill(g.Grid, MinerGame.Wall);
        for (int yy = 3; yy <= 8; yy++)
            for (int xx = 3; xx <= 11; xx++) g.Grid[I(xx, yy)] = MinerGame.Empty;
        Array.Clear(g.Falling);
        g.AgentX = x; g.AgentY = y;
        g.DiamondsLeft = 1;
        g.ExitIdx = I(0, 0);
        g.Dead = false;
        return g;
    }

    [Theory]
    [InlineData(Right, 1)]
    [InlineData(RightUp, 1)]
    [InlineData(RightDown, 1)]
    [InlineData(Left, -1)]
    [InlineData(LeftUp, -1)]
    public void PushingMovesARestingBoulderSidewaysIntoAnEmptyCell(int action, int dx)
    {
        var g = Room(7, 8);
        g.Grid[I(7 + dx, 8)] = MinerGame.Boulder;
        g.Step(action, out bool done);
        Assert.False(done);
        Assert.Equal((7 + dx, 8), (g.AgentX, g.AgentY));
        Assert.Equal(MinerGame.Boulder, g.Grid[I(7 + 2 * dx, 8)]);
        Assert.Equal(MinerGame.Empty, g.Grid[I(7 + dx, 8)]);
    }

    [Theory]
    [InlineData(MinerGame.Dirt)]
    [InlineData(MinerGame.Wall)]
    [InlineData(MinerGame.Boulder)]
    [InlineData(MinerGame.Diamond)]
    public void APushIsBlockedByAnythingButAnEmptyCell(byte beyond)
    {
        var g = Room(5, 8);
        g.Grid[I(6, 8)] = MinerGame.Boulder;
        g.Grid[I(7, 8)] = beyond;
        g.Step(Right, out _);
        Assert.Equal((5, 8), (g.AgentX, g.AgentY));
        Assert.Equal(MinerGame.Boulder, g.Grid[I(6, 8)]);
        Assert.Equal(beyond, g.Grid[I(7, 8)]);
    }

    [Fact]
    public void AFallingBoulderAndVerticalPushesDoNotMoveBoulders()
    {
        // A boulder that fell in the last step blocks the miner but cannot be pushed.
        var g = Room(5, 8);
        g.Grid[I(6, 8)] = MinerGame.Boulder;
        g.Falling[I(6, 8)] = true;
        g.Step(Right, out _);
        Assert.Equal((5, 8), (g.AgentX, g.AgentY));
        Assert.Equal(MinerGame.Boulder, g.Grid[I(6, 8)]);
        Assert.False(g.Falling[I(6, 8)]); // it rests on the floor now

        // Up into a boulder with room above it: nothing moves.
        g = Room(5, 8);
        g.Grid[I(5, 7)] = MinerGame.Boulder;
        g.Grid[I(4, 7)] = MinerGame.Dirt; g.Grid[I(6, 7)] = MinerGame.Dirt;
        g.Step(Up, out bool done);
        Assert.False(done);
        Assert.Equal((5, 8), (g.AgentX, g.AgentY));
        Assert.Equal(MinerGame.Boulder, g.Grid[I(5, 7)]);
        Assert.Equal(MinerGame.Empty, g.Grid[I(5, 6)]);
    }

    [Theory]
    [InlineData(MinerGame.Boulder, MinerGame.Boulder)]
    [InlineData(MinerGame.Boulder, MinerGame.Diamond)]
    [InlineData(MinerGame.Diamond, MinerGame.Boulder)]
    [InlineData(MinerGame.Diamond, MinerGame.Diamond)]
    public void AnObjectOnARoundObjectRollsLeftAndFallsNextStep(byte top, byte bottom)
    {
        var g = Room(11, 3);
        g.Grid[I(6, 8)] = bottom;
        g.Grid[I(6, 7)] = top;
        g.Step(ProcGenGame.NoOp, out _);
        Assert.Equal(top, g.Grid[I(5, 7)]);
        Assert.Equal(MinerGame.Empty, g.Grid[I(6, 7)]);
        Assert.False(g.Falling[I(5, 7)]);
        g.Step(ProcGenGame.NoOp, out _);
        Assert.Equal(top, g.Grid[I(5, 8)]);
        Assert.True(g.Falling[I(5, 8)]);
    }

    [Theory]
    [InlineData(MinerGame.Boulder)]
    [InlineData(MinerGame.Diamond)]
    public void WithTheLeftBlockedItRollsRightAndFallsInTheSameStep(byte top)
    {
        var g = Room(11, 3);
        g.Grid[I(6, 8)] = MinerGame.Boulder;
        g.Grid[I(6, 7)] = top;
        g.Grid[I(5, 8)] = MinerGame.Dirt; // below-left not empty
        g.Step(ProcGenGame.NoOp, out _);
        Assert.Equal(MinerGame.Empty, g.Grid[I(6, 7)]);
        Assert.Equal(MinerGame.Empty, g.Grid[I(7, 7)]);
        Assert.Equal(top, g.Grid[I(7, 8)]);
        Assert.True(g.Falling[I(7, 8)]);
    }

    [Fact]
    public void NothingRollsOffDirtOrIntoTheMinersCells()
    {
        var g = Room(11, 3);
        g.Grid[I(6, 8)] = MinerGame.Dirt;
        g.Grid[I(6, 7)] = MinerGame.Boulder;
        g.Step(ProcGenGame.NoOp, out _);
        Assert.Equal(MinerGame.Boulder, g.Grid[I(6, 7)]);

        // The miner below-left and beside-right: the boulder stays.
        g = Room(5, 8);
        g.Grid[I(6, 8)] = MinerGame.Boulder;
        g.Grid[I(6, 7)] = MinerGame.Boulder;
        g.Grid[I(7, 8)] = MinerGame.Dirt;
        g.Step(ProcGenGame.NoOp, out bool done);
        Assert.False(done);
        Assert.Equal(MinerGame.Boulder, g.Grid[I(6, 7)]);
    }

    [Fact]
    public void RestingObjectsAboveTheMinerAreHarmlessFallingOnesKill()
    {
        var g = Room(5, 8);
        g.Grid[I(5, 7)] = MinerGame.Boulder;
        for (int k = 0; k < 3; k++) { g.Step(ProcGenGame.NoOp, out bool done); Assert.False(done); }
        Assert.False(g.Dead);

        // A diamond falling onto the miner kills too.
        g = Room(5, 8);
        g.Grid[I(5, 3)] = MinerGame.Diamond;
        bool end = false;
        for (int k = 0; k < 6 && !end; k++) g.Step(ProcGenGame.NoOp, out end);
        Assert.True(end);
        Assert.True(g.Dead);

        // Stepping away from under a resting boulder and back under it once it falls kills.
        g = Room(5, 7);
        g.Grid[I(5, 6)] = MinerGame.Boulder;
        g.Grid[I(4, 6)] = MinerGame.Dirt; g.Grid[I(6, 6)] = MinerGame.Dirt;
        g.Step(Right, out end); // the boulder falls into (5, 7)
        Assert.False(end);
        Assert.True(g.Falling[I(5, 7)]);
        g.Step(Left, out end); // blocked by the falling boulder; it lands
        Assert.False(end);
        Assert.Equal((6, 7), (g.AgentX, g.AgentY));
    }

    [Theory]
    [InlineData(LeftDown, -1)]
    [InlineData(LeftUp, -1)]
    [InlineData(RightDown, 1)]
    [InlineData(RightUp, 1)]
    public void DiagonalActionsMoveHorizontallyOnly(int action, int dx)
    {
        var g = Room(7, 5);
        g.Step(action, out _);
        Assert.Equal((7 + dx, 5), (g.AgentX, g.AgentY));

        // With the horizontal cell walled, a diagonal action does nothing (no vertical fallback).
        g = Room(7, 5);
        g.Grid[I(7 + dx, 5)] = MinerGame.Wall;
        g.Step(action, out _);
        Assert.Equal((7, 5), (g.AgentX, g.AgentY));
    }

    [Fact]
    public void TheExitOpensOnceNoDiamondIsLeftAndObjectsCanCoverIt()
    {
        var g = Room(5, 8);
        g.ExitIdx = I(6, 8);
        g.Grid[I(8, 8)] = MinerGame.Diamond;
        Assert.Equal(0, g.Step(Right, out bool done)); // onto the closed exit: nothing happens
        Assert.False(done);
        Assert.Equal(0, g.Step(Right, out done));
        Assert.Equal(1, g.Step(Right, out done)); // the diamond
        Assert.Equal(0, g.DiamondsLeft);
        Assert.Equal(0, g.Step(Left, out done));
        Assert.False(done);
        Assert.Equal(10, g.Step(Left, out done));
        Assert.True(done);
        Assert.False(g.Dead);

        // A boulder falls onto the exit cell and blocks it.
        g = Room(9, 8);
        g.ExitIdx = I(6, 8);
        g.DiamondsLeft = 0;
        g.Grid[I(6, 6)] = MinerGame.Boulder;
        g.Step(ProcGenGame.NoOp, out _);
        g.Step(ProcGenGame.NoOp, out _);
        Assert.Equal(MinerGame.Boulder, g.Grid[I(6, 8)]);
        var o = new float[ProcGenGame.Cells * 6];
        g.WriteObservation(o);
        Assert.Equal(1, o[I(6, 8) * 6 + 2]);
        Assert.Equal(1, o[I(6, 8) * 6 + 4]);
    }

    [Fact]
    public void LevelsFollowTheEasyModeDistribution()
    {
        var g = new MinerGame(EnvironmentOptions.Default);
        int levels = 1000, boulders = 0, fallback = 0, agentOnExit = 0;
        for (int i = 0; i < levels; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            int agent = I(g.AgentX, g.AgentY);
            int b = 0, d = 0, empty = 0;
            for (int y = 0; y < ProcGenGame.Size; y++)
                for (int x = 0; x < ProcGenGame.Size; x++)
                {
                    byte c = g.Grid[I(x, y)];
                    bool inside = x >= MinerGame.Offset && x < MinerGame.Offset + 10 && y >= MinerGame.Offset && y < MinerGame.Offset + 10;
                    Assert.Equal(inside, c != MinerGame.Wall);
                    if (c == MinerGame.Boulder)
                    {
                        b++;
                        Assert.False(Math.Abs(x - g.AgentX) <= 1 && Math.Abs(y - g.AgentY) <= 1, $"level {i}: boulder next to the start");
                    }
                    if (c == MinerGame.Diamond) d++;
                    if (c == MinerGame.Empty) { empty++; Assert.True(I(x, y) == agent || I(x, y) == g.ExitIdx, $"level {i}: stray empty cell"); }
                }
            Assert.Equal(3, d);
            Assert.Equal(3, g.DiamondsLeft);
            Assert.True(b <= 20);
            Assert.Equal(MinerGame.Empty, g.Grid[g.ExitIdx]);
            Assert.Equal(MinerGame.Empty, g.Grid[agent]);
            if (g.ExitIdx == agent) agentOnExit++;
            else Assert.True(g.Grid[g.ExitIdx - ProcGenGame.Size] is MinerGame.Dirt or MinerGame.Wall, $"level {i}: exit under {g.Grid[g.ExitIdx - ProcGenGame.Size]}");
            if (b == 0) fallback++;
            boulders += b;
        }
        // 20 boulders less those cleared around the start (about 1.4 on average), barring fallback levels.
        Assert.InRange(boulders / (double)levels, 17.5, 19.5);
        Assert.True(fallback <= levels / 100, $"{fallback} fallback levels");
    }

    [Fact]
    public void EveryLevelOfAThousandFreshSeedsIsSolvedFromItsStart()
    {
        var g = new MinerGame(EnvironmentOptions.Default);
        var failures = new List<int>();
        for (int i = 0; i < 1000; i++)
        {
            g.LoadLevel(LevelSeeds.Test(1_000_003UL + (ulong)i));
            float total = 0;
            bool done = false;
            while (!done) total += g.Step(g.SolverAction(), out done);
            if (g.Dead || total != 13 || g.StepCount >= g.TimeLimit) failures.Add(i);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} unsolved, e.g. {string.Join(",", failures.Take(5))}");
    }

    [Fact]
    public void TheSameLevelSeedGivesTheSameLevelAndTrajectory()
    {
        for (int i = 0; i < 50; i++)
        {
            ulong seed = LevelSeeds.Test((ulong)i * 31);
            var a = new MinerGame(EnvironmentOptions.Default);
            var b = new MinerGame(EnvironmentOptions.Default);
            a.LoadLevel(seed);
            b.LoadLevel(seed);
            Assert.Equal(a.LayoutHash(), b.LayoutHash());
            Assert.Equal(a.Grid, b.Grid);
            Assert.Equal(a.ExitIdx, b.ExitIdx);
            var rng = Rng.Create((ulong)i, 9);
            for (int t = 0; t < 200; t++)
            {
                int action = rng.Next(15);
                float ra = a.Step(action, out bool da), rb = b.Step(action, out bool db);
                Assert.Equal((ra, da), (rb, db));
                Assert.Equal(a.Grid, b.Grid);
                if (da) break;
            }
        }
        var g = new MinerGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(1));
        ulong h1 = g.LayoutHash();
        g.LoadLevel(LevelSeeds.Train(2));
        Assert.NotEqual(h1, g.LayoutHash());
    }
}
