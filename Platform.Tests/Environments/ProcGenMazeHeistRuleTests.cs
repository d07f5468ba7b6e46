using Platform.Workers.Environments;
using Platform.Workers.Environments.ProcGen;

namespace Platform.Tests.Environments;

/// <summary>
/// Maze and Heist against ProcGen's easy mode (openai/procgen maze.cpp, heist.cpp, mazegen.cpp): scripted rule
/// scenarios and properties of the level distribution over many level seeds.
/// </summary>
public class ProcGenMazeHeistRuleTests
{
    private const int S = ProcGenGame.Size;
    private static int Idx(int x, int y) => ProcGenGame.Idx(x, y);

    /// <summary>Bounding box (min x, min y, max x, max y) of the cells for which <paramref name="open"/> holds.</summary>
    private static (int X0, int Y0, int X1, int Y1) Box(Func<int, bool> open)
    {
        int x0 = S, y0 = S, x1 = -1, y1 = -1;
        for (int c = 0; c < ProcGenGame.Cells; c++)
        {
            if (!open(c)) continue;
            int x = c % S, y = c / S;
            x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x); y1 = Math.Max(y1, y);
        }
        return (x0, y0, x1, y1);
    }

    private static ulong Seed(int i) => i % 2 == 0 ? LevelSeeds.Train(i / 2) : LevelSeeds.Test((ulong)i * 7919);

    // ---- Maze ----

    [Fact]
    public void MazeDiagonalActionsMoveHorizontallyOnly()
    {
        var g = new MazeGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(0));
        Array.Fill(g.Grid, (byte)0);
        g.GoalX = 0; g.GoalY = 0;
        g.AgentX = 7; g.AgentY = 7;
        g.Step(8, out _); // right-up
        Assert.Equal((8, 7), (g.AgentX, g.AgentY));
        g.Step(0, out _); // left-down
        Assert.Equal((7, 7), (g.AgentX, g.AgentY));
        g.Step(2, out _); // left-up
        Assert.Equal((6, 7), (g.AgentX, g.AgentY));
        g.Step(6, out _); // right-down
        Assert.Equal((7, 7), (g.AgentX, g.AgentY));
        // Horizontal part blocked: the diagonal action does nothing (no vertical move, no corner cut).
        g.Grid[Idx(8, 7)] = 1;
        g.Step(8, out _);
        Assert.Equal((7, 7), (g.AgentX, g.AgentY));
        g.Step(5, out _); // up still moves up
        Assert.Equal((7, 6), (g.AgentX, g.AgentY));
    }

    [Fact]
    public void MazeSizesCoverTheOriginalEasyRangeSquareCentredPerfectWithTheStartBottomLeft()
    {
        var g = new MazeGame(EnvironmentOptions.Default);
        var counts = new int[16];
        const int levels = 3000;
        for (int i = 0; i < levels; i++)
        {
            g.LoadLevel(Seed(i));
            var (x0, y0, x1, y1) = Box(c => g.Grid[c] == 0);
            int w = x1 - x0 + 1, h = y1 - y0 + 1;
            Assert.Equal(w, h);
            Assert.Equal(g.MazeDim, w);
            Assert.True(w is >= 3 and <= 15 && w % 2 == 1, $"maze {w} wide");
            Assert.Equal((S - w) / 2, x0);
            Assert.Equal((S - w) / 2, y0);
            int r = (w + 1) / 2, open = g.Grid.Count(c => c == 0);
            Assert.Equal(2 * r * r - 1, open); // r² rooms joined by r² − 1 passages: a perfect maze
            for (int j = 0; j < w; j++)
                for (int k = 0; k < w; k++)
                {
                    byte cell = g.Grid[Idx(x0 + j, y0 + k)];
                    if (j % 2 == 0 && k % 2 == 0) Assert.Equal(0, cell); // rooms
                    if (j % 2 == 1 && k % 2 == 1) Assert.Equal(1, cell); // pillars
                }
            Assert.Equal((x0, y1), (g.AgentX, g.AgentY));
            counts[w]++;
        }
        for (int w = 3; w <= 15; w += 2)
        {
            double f = counts[w] / (double)levels;
            Assert.True(f is > 0.11 and < 0.18, $"maze size {w}: frequency {f:F3}, expected 1/7");
        }
    }

    [Fact]
    public void MazeCheeseLiesOnAnyOpenCellButTheStartCorridorsIncluded()
    {
        var g = new MazeGame(EnvironmentOptions.Default);
        int corridor = 0;
        const int levels = 3000;
        for (int i = 0; i < levels; i++)
        {
            g.LoadLevel(Seed(i));
            Assert.Equal(0, g.Grid[Idx(g.GoalX, g.GoalY)]);
            Assert.NotEqual((g.AgentX, g.AgentY), (g.GoalX, g.GoalY));
            int m = (S - g.MazeDim) / 2;
            if ((g.GoalX - m) % 2 == 1 || (g.GoalY - m) % 2 == 1) corridor++;
        }
        // Of the 2r² − 2 open cells other than the start, r² − 1 are corridor cells: half.
        double f = corridor / (double)levels;
        Assert.True(f is > 0.44 and < 0.56, $"cheese on a corridor cell in {f:F3} of levels, expected 1/2");
    }

    [Fact]
    public void MazeLevelIsADeterministicFunctionOfItsSeed()
    {
        var a = new MazeGame(EnvironmentOptions.Default);
        var b = new MazeGame(EnvironmentOptions.Default);
        for (int i = 0; i < 200; i++)
        {
            a.LoadLevel(Seed(i));
            b.LoadLevel(Seed(i + 1));
            b.LoadLevel(Seed(i));
            Assert.Equal(a.Grid, b.Grid);
            Assert.Equal((a.AgentX, a.AgentY, a.GoalX, a.GoalY), (b.AgentX, b.AgentY, b.GoalX, b.GoalY));
            Assert.Equal(a.LayoutHash(), b.LayoutHash());
        }
    }

    [Fact]
    public void MazeTrainAndTestLevelsShareLayoutsOnlyAmongTheSmallestMazes()
    {
        var g = new MazeGame(EnvironmentOptions.Default);
        var train = new HashSet<ulong>();
        for (int i = 0; i < 200; i++)
        {
            g.LoadLevel(LevelSeeds.Train(i));
            if (g.MazeDim >= 7) Assert.True(train.Add(g.LayoutHash()), $"training level {i} repeats a layout");
        }
        var rng = Rng.Create(3);
        for (int k = 0; k < 1000; k++)
        {
            g.LoadLevel(LevelSeeds.Sample(ref rng, 200, test: true));
            if (g.MazeDim >= 7) Assert.DoesNotContain(g.LayoutHash(), train);
        }
        // Smaller mazes repeat, as in ProcGen: a 5-cell maze has 192 × 16 = 3,072 layouts (some of the ~140 test levels of
        // that size meet one of the ~28 training ones), and a 3-cell maze (2 × 2 rooms) has 4 spanning trees and 6 cheese
        // cells: 24 layouts, all of which occur.
        var small = new HashSet<ulong>();
        for (int i = 0; i < 3000; i++)
        {
            g.LoadLevel(Seed(i));
            if (g.MazeDim == 3) small.Add(g.LayoutHash());
        }
        Assert.Equal(24, small.Count);
    }

    // ---- Heist ----

    /// <summary>Cells reachable from the start with the doors whose colours are in <paramref name="openDoors"/> passable.</summary>
    private static bool[] Reach(HeistGame g, int openDoors)
    {
        var seen = new bool[ProcGenGame.Cells];
        var queue = new Queue<int>();
        int s = Idx(g.AgentX, g.AgentY);
        seen[s] = true;
        queue.Enqueue(s);
        while (queue.Count > 0)
        {
            int c = queue.Dequeue();
            foreach (int nc in new[] { c - 1, c + 1, c - S, c + S })
            {
                if (nc < 0 || nc >= ProcGenGame.Cells || seen[nc]) continue;
                byte cell = g.Grid[nc];
                if (cell == HeistGame.Wall) continue;
                if (cell >= HeistGame.Door && cell < HeistGame.Key && (openDoors & (1 << (cell - HeistGame.Door))) == 0) continue;
                seen[nc] = true;
                queue.Enqueue(nc);
            }
        }
        return seen;
    }

    private static int OpenNeighbours(HeistGame g, int c) =>
        new[] { c - 1, c + 1, c - S, c + S }.Count(n => g.Grid[n] != HeistGame.Wall);

    [Fact]
    public void HeistDiagonalActionMovesVerticallyIfItCanElseHorizontallyNeverDiagonally()
    {
        var g = new HeistGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(0));
        void Setup(params (int X, int Y)[] open)
        {
            Array.Fill(g.Grid, HeistGame.Wall);
            foreach (var (x, y) in open) g.Grid[Idx(x, y)] = HeistGame.Empty;
            g.AgentX = 7; g.AgentY = 7; g.Keys = 0;
        }
        Setup((7, 7), (7, 6), (8, 7), (8, 6));
        g.Step(8, out _); // right-up, both parts free: vertical first
        Assert.Equal((7, 6), (g.AgentX, g.AgentY));
        Setup((7, 7), (8, 7), (8, 6));
        g.Step(8, out _); // vertical part blocked: slides horizontally
        Assert.Equal((8, 7), (g.AgentX, g.AgentY));
        Setup((7, 7), (8, 6));
        g.Step(8, out _); // both parts blocked: no corner cut
        Assert.Equal((7, 7), (g.AgentX, g.AgentY));
        Setup((7, 7), (6, 7), (6, 8));
        g.Step(0, out _); // left-down, down blocked: left
        Assert.Equal((6, 7), (g.AgentX, g.AgentY));
    }

    [Fact]
    public void HeistDoorsOpenOnlyWithTheirKeyKeysAreKeptAndTheGemEndsTheEpisode()
    {
        var g = new HeistGame(EnvironmentOptions.Default);
        g.LoadLevel(LevelSeeds.Train(0));
        Array.Fill(g.Grid, HeistGame.Wall);
        for (int x = 3; x <= 6; x++) g.Grid[Idx(x, 7)] = HeistGame.Empty;
        g.Grid[Idx(3, 7)] = HeistGame.Key;          // key 0 (blue)
        g.Grid[Idx(5, 7)] = HeistGame.Door;         // door 0
        g.Grid[Idx(4, 6)] = HeistGame.Door + 1;     // door 1: stays shut with key 0
        g.Grid[Idx(6, 7)] = HeistGame.Gem;
        g.AgentX = 4; g.AgentY = 7; g.Keys = 0;
        Assert.Equal(0, g.Step(7, out bool done));
        Assert.Equal((4, 7), (g.AgentX, g.AgentY)); // door 0 without key 0
        Assert.Equal(0, g.Step(1, out done));
        Assert.Equal(1, g.Keys);
        Assert.Equal(HeistGame.Empty, g.Grid[Idx(3, 7)]);
        g.Step(7, out done);
        g.Step(5, out done);
        Assert.Equal((4, 7), (g.AgentX, g.AgentY)); // door 1 with key 0 only
        Assert.Equal(0, g.Step(7, out done));
        Assert.Equal((5, 7), (g.AgentX, g.AgentY));
        Assert.Equal(HeistGame.Empty, g.Grid[Idx(5, 7)]); // opened
        Assert.Equal(1, g.Keys); // kept
        Assert.False(done);
        Assert.Equal(10, g.Step(7, out done));
        Assert.True(done);
    }

    [Fact]
    public void HeistMazeSizesAreTheOriginalEasyRangeAtAnyOffsetInsideTheNineByNineWorld()
    {
        var g = new HeistGame(EnvironmentOptions.Default);
        var counts = new int[16];
        var places = new HashSet<(int, int, int)>();
        const int levels = 3000;
        for (int i = 0; i < levels; i++)
        {
            g.LoadLevel(Seed(i));
            var (x0, y0, x1, y1) = Box(c => g.Grid[c] != HeistGame.Wall);
            int w = x1 - x0 + 1;
            Assert.Equal(w, y1 - y0 + 1);
            Assert.Equal(g.MazeDim, w);
            Assert.True(w is 5 or 7 or 9, $"maze {w} wide");
            Assert.True(x0 >= 3 && y0 >= 3 && x1 <= 11 && y1 <= 11, $"maze at ({x0},{y0})..({x1},{y1}) leaves the 9×9 world");
            Assert.Equal((g.MazeX, g.MazeY), (x0, y0));
            int r = (w + 1) / 2;
            Assert.Equal(2 * r * r - 1, g.Grid.Count(c => c != HeistGame.Wall));
            counts[w]++;
            places.Add((w, x0, y0));
        }
        foreach (int w in new[] { 5, 7, 9 })
        {
            double f = counts[w] / (double)levels;
            Assert.True(f is > 0.29 and < 0.38, $"maze size {w}: frequency {f:F3}, expected 1/3");
        }
        Assert.Equal(25 + 9 + 1, places.Count); // every offset of every size
    }

    [Fact]
    public void HeistDoorsStandOnForksKeysOpenThemInOrderAndTheGemLiesBehindTheLastDoor()
    {
        var g = new HeistGame(EnvironmentOptions.Default);
        var dist = new int[ProcGenGame.Cells];
        var doorCounts = new HashSet<(int Difficulty, int Doors)>();
        int gemNotFarthest = 0, startOnCorridor = 0;
        for (int i = 0; i < 2000; i++)
        {
            g.LoadLevel(Seed(i));
            int difficulty = (g.MazeDim - 5) / 2, start = Idx(g.AgentX, g.AgentY);
            int[] door = new int[3], key = new int[3];
            int doors = 0, keys = 0, gems = 0, gem = -1;
            for (int c = 0; c < ProcGenGame.Cells; c++)
            {
                byte cell = g.Grid[c];
                if (cell >= HeistGame.Door && cell < HeistGame.Key) { door[cell - HeistGame.Door] = c; doors++; }
                else if (cell >= HeistGame.Key && cell < HeistGame.Gem) { key[cell - HeistGame.Key] = c; keys++; }
                else if (cell == HeistGame.Gem) { gem = c; gems++; }
            }
            Assert.Equal(1, gems);
            Assert.Equal(doors, keys);
            Assert.Equal(g.DoorCount, doors);
            Assert.True(doors <= Math.Min(3, difficulty + 1), $"level {i}: {doors} doors at difficulty {difficulty}");
            doorCounts.Add((difficulty, doors));
            Assert.DoesNotContain(new[] { start - 1, start + 1, start - S, start + S }, n => g.Grid[n] is >= HeistGame.Door and < HeistGame.Key);
            for (int k = 0; k < doors; k++)
            {
                Assert.True(g.Grid[door[k]] == HeistGame.Door + k, $"level {i}: door colours not 0..{doors - 1}");
                Assert.True(OpenNeighbours(g, door[k]) >= 3, $"level {i}: door {k} not on a fork");
                // Key k is in region k: reachable once doors 0..k−1 are open, and (k ≥ 1) not before door k−1 is.
                Assert.True(Reach(g, (1 << k) - 1)[key[k]], $"level {i}: key {k} locked away");
                if (k >= 1) Assert.False(Reach(g, (1 << (k - 1)) - 1)[key[k]], $"level {i}: key {k} before door {k - 1}");
            }
            Assert.True(Reach(g, (1 << doors) - 1)[gem], $"level {i}: gem unreachable");
            if (doors >= 1) Assert.False(Reach(g, (1 << (doors - 1)) - 1)[gem], $"level {i}: gem before the last door");
            Assert.NotEqual(start, gem);

            ReadOnlySpan<int> src = [start];
            ProcGenGame.Distances(src, (x, y) => g.Grid[Idx(x, y)] != HeistGame.Wall, dist, orthogonal: true);
            if (dist[gem] < dist.Max()) gemNotFarthest++;
            if ((g.AgentX - g.MazeX) % 2 == 1 || (g.AgentY - g.MazeY) % 2 == 1) startOnCorridor++;
        }
        // ProcGen: min(3, difficulty + {0, 1}) keys, fewer only when the maze has too few forks.
        foreach (var dc in new[] { (0, 0), (0, 1), (1, 1), (1, 2), (2, 2), (2, 3) })
            Assert.Contains(dc, doorCounts);
        Assert.True(gemNotFarthest > 500, $"gem off the farthest cell in only {gemNotFarthest} levels");
        Assert.True(startOnCorridor > 200, $"start on a corridor cell in only {startOnCorridor} levels");
    }

    [Fact]
    public void HeistLevelIsADeterministicFunctionOfItsSeed()
    {
        var a = new HeistGame(EnvironmentOptions.Default);
        var b = new HeistGame(EnvironmentOptions.Default);
        for (int i = 0; i < 200; i++)
        {
            a.LoadLevel(Seed(i));
            b.LoadLevel(Seed(i + 1));
            b.LoadLevel(Seed(i));
            Assert.Equal(a.Grid, b.Grid);
            Assert.Equal((a.AgentX, a.AgentY, a.Keys), (b.AgentX, b.AgentY, b.Keys));
            Assert.Equal(a.LayoutHash(), b.LayoutHash());
        }
    }
}
