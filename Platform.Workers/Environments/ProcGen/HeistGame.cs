using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Heist, as ProcGen's easy mode. ProcGen's easy world is 9×9 cells; ours is that world centred in the 15×15 grid
/// (the ring of 3 cells around it is wall, as ProcGen's out-of-bounds cells are). A difficulty d ∈ {0, 1, 2}
/// (uniform) gives a square perfect maze (randomised Kruskal, rooms on even offsets) of <see cref="MazeDim"/> = 5 + 2d
/// cells a side at a uniform offset inside the world, and min(3, d + {0, 1}) keys. Doors stand on forks (rooms with
/// three or more open neighbours), as many as keys if there are enough forks. The agent starts on a uniform open cell
/// (room or corridor) next to no door. Then, from the start, door k is the nearest door not yet numbered (measured from
/// everything reachable so far), key k lies uniformly in region k, and the gem uniformly in the last region, where
/// region 0 is what the start reaches with every door shut and region k + 1 is what opening door k adds. So the doors
/// open in order and the gem lies behind the last one (anywhere but the start when there are no doors).
/// Stepping on a key takes it (keys are kept); stepping into a door with its key opens it (the door disappears).
/// Reaching the gem gives +10 and ends the episode; the time limit is 1000 steps (ProcGen's default).
/// <para>
/// Movement: ProcGen's Heist agent moves continuously (up to 0.75 cells a step, with inertia) and is 0.75 cells wide in
/// corridors 1 cell wide, so it slides along walls and can never cut a corner; for a diagonal action it resolves the
/// vertical part first. Our agent moves one cell a step; a diagonal action moves vertically if that cell can be
/// entered, otherwise horizontally if that one can, otherwise not at all (never diagonally).
/// </para>
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class HeistGame : ProcGenGame
{
    private const int C = 9, WorldDim = 9, WorldOrigin = (Size - WorldDim) / 2;
    internal const byte Empty = 0, Wall = 1, Door = 2, Key = 5, Gem = 8; // Door + colour, Key + colour
    private const byte UnnumberedDoor = 9; // only during generation
    internal readonly byte[] Grid = new byte[Cells];
    internal int AgentX, AgentY, Keys, MazeDim, MazeX, MazeY, DoorCount;

    public HeistGame(EnvironmentOptions options) : base(options) { }

    internal override int TimeLimit => 1000;

    private static bool Enterable(byte cell, int keys) =>
        cell != Wall && !(cell >= Door && cell < Key && (keys & (1 << (cell - Door))) == 0);

    private static ReadOnlySpan<int> Neighbours => [-1, 1, -Size, Size];

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 2);
        int difficulty = rng.Next(3);
        int wantedDoors = Math.Min(3, difficulty + rng.Next(2));
        MazeDim = 5 + 2 * difficulty;
        MazeX = WorldOrigin + rng.Next(WorldDim - MazeDim + 1);
        MazeY = WorldOrigin + rng.Next(WorldDim - MazeDim + 1);
        int rooms = (MazeDim + 1) / 2;
        KruskalMaze(ref rng, rooms, rooms, MazeX - 1, MazeY - 1, Grid); // first room at (MazeX, MazeY)
        Keys = 0;

        // The maze never touches the grid's edge (it lies inside the world, 3 cells in), so c ± 1, c ± Size are in range.
        Span<int> cand = stackalloc int[Cells];
        int n = 0;
        for (int c = 0; c < Cells; c++)
            if (Grid[c] == Empty && OpenNeighbours(c, Empty) > 2) cand[n++] = c;
        DoorCount = Math.Min(wantedDoors, n);
        for (int d = 0; d < DoorCount; d++) // a uniform subset of the forks
        {
            int j = d + rng.Next(n - d);
            (cand[d], cand[j]) = (cand[j], cand[d]);
            Grid[cand[d]] = UnnumberedDoor;
        }

        n = 0;
        for (int c = 0; c < Cells; c++)
            if (Grid[c] == Empty && OpenNeighbours(c, UnnumberedDoor) == 0) cand[n++] = c;
        int start = cand[rng.Next(n)];
        AgentX = start % Size;
        AgentY = start / Size;

        Span<bool> reached = stackalloc bool[Cells];
        Span<int> queue = stackalloc int[Cells];
        reached[start] = true;
        for (int k = 0; k <= DoorCount; k++)
        {
            int door = -1;
            if (k < DoorCount)
            {
                door = NearestUnnumberedDoor(reached, queue);
                Grid[door] = (byte)(Door + k);
            }
            // Region k: the empty cells reachable from everything reached so far without passing a closed door.
            int tail = 0;
            for (int c = 0; c < Cells; c++) if (reached[c]) queue[tail++] = c;
            int first = tail;
            for (int head = 0; head < tail; head++)
                foreach (int off in Neighbours)
                {
                    int nc = queue[head] + off;
                    if (!reached[nc] && Grid[nc] == Empty) { reached[nc] = true; queue[tail++] = nc; }
                }
            // Never empty: the start has an open neighbour that is no door, and a door (a fork) has, besides the side
            // it was reached from, at least two corridor cells that nothing reached before (the maze is a tree).
            Grid[queue[first + rng.Next(tail - first)]] = k == DoorCount ? Gem : (byte)(Key + k);
            if (door >= 0) reached[door] = true;
        }
    }

    private int OpenNeighbours(int c, byte type)
    {
        int n = 0;
        foreach (int off in Neighbours) if (Grid[c + off] == type) n++;
        return n;
    }

    /// <summary>Breadth-first from all reached cells through empty ones; the first unnumbered door met (the nearest).</summary>
    private int NearestUnnumberedDoor(ReadOnlySpan<bool> reached, Span<int> queue)
    {
        Span<bool> seen = stackalloc bool[Cells];
        int tail = 0;
        for (int c = 0; c < Cells; c++) if (reached[c]) { seen[c] = true; queue[tail++] = c; }
        for (int head = 0; head < tail; head++)
            foreach (int off in Neighbours)
            {
                int nc = queue[head] + off;
                if (Grid[nc] == UnnumberedDoor) return nc;
                if (!seen[nc] && Grid[nc] == Empty) { seen[nc] = true; queue[tail++] = nc; }
            }
        throw new InvalidOperationException("Heist: a door is unreachable"); // cannot happen in a connected maze
    }

    private bool CanEnter(int x, int y) => InGrid(x, y) && Enterable(Grid[Idx(x, y)], Keys);

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        int dx = ActionDx[action], dy = ActionDy[action];
        if (dy != 0 && CanEnter(AgentX, AgentY + dy)) dx = 0;
        else if (dx != 0 && CanEnter(AgentX + dx, AgentY)) dy = 0;
        else return 0;
        AgentX += dx;
        AgentY += dy;
        int c = Idx(AgentX, AgentY);
        byte cell = Grid[c];
        if (cell == Gem)
        {
            terminal = true;
            return 10;
        }
        if (cell >= Key && cell < Gem) Keys |= 1 << (cell - Key);
        Grid[c] = Empty; // a taken key or an opened door
        return 0;
    }

    public override void WriteObservation(Span<float> o)
    {
        var grid = Grid;
        for (int i = 0; i < Cells; i++)
        {
            byte cell = grid[i];
            if (cell == Empty) continue;
            int ch = cell == Wall ? 0 : cell == Gem ? 2 : cell - Door + 3; // doors 3..5, keys 6..8
            o[i * C + ch] = 1;
        }
        o[Idx(AgentX, AgentY) * C + 1] = 1;
    }

    internal override ulong LayoutHash() => Fnv(HashCells(Grid), (ulong)Idx(AgentX, AgentY));

    /// <summary>
    /// Breadth-first search over (cell, keys held) with the orthogonal moves (left, down, up, right: actions 1, 3, 5, 7;
    /// a diagonal action never does more than one of them) to the gem; returns the first action of a shortest plan.
    /// </summary>
    internal override int SolverAction()
    {
        const int States = Cells * 8;
        Span<bool> seen = stackalloc bool[States];
        Span<byte> firstAction = stackalloc byte[States];
        Span<int> queue = stackalloc int[States];
        int s0 = Idx(AgentX, AgentY) * 8 + Keys;
        seen[s0] = true;
        int head = 0, tail = 0;
        queue[tail++] = s0;
        ReadOnlySpan<int> moves = [1, 3, 5, 7];
        while (head < tail)
        {
            int s = queue[head++];
            int c = s >> 3, keys = s & 7, x = c % Size, y = c / Size;
            foreach (int a in moves)
            {
                int nx = x + ActionDx[a], ny = y + ActionDy[a];
                if (!InGrid(nx, ny)) continue;
                int nc = Idx(nx, ny);
                byte cell = Grid[nc];
                if (!Enterable(cell, keys)) continue;
                if (cell == Gem) return s == s0 ? a : firstAction[s];
                int nk = cell >= Key && cell < Gem ? keys | (1 << (cell - Key)) : keys;
                int ns = nc * 8 + nk;
                if (seen[ns]) continue;
                seen[ns] = true;
                firstAction[ns] = (byte)(s == s0 ? a : firstAction[s]);
                queue[tail++] = ns;
            }
        }
        return NoOp;
    }

    private static readonly byte[] Colors =
    [
        70, 70, 160, 255, 255, 255, 80, 255, 220,
        40, 90, 255, 40, 200, 60, 230, 40, 40,
        120, 160, 255, 140, 255, 140, 255, 130, 130,
    ];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    public override (byte R, byte G, byte B) Background => (20, 20, 20);
}
