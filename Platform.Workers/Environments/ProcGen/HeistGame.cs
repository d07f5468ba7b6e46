using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Heist: a perfect maze of 4..7 × 4..7 cells (as Maze) with the gem in the cell farthest from the start, and 0..3
/// coloured doors on the path to it. The key of each door lies in the part of the maze reachable from the start with
/// that door and all later doors still closed, so the doors open in order. Stepping on a key takes it; stepping into
/// a door with its key opens it (the door disappears). Reaching the gem gives +10 and ends the episode; the time
/// limit is 1000 steps. Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class HeistGame : ProcGenGame
{
    private const int C = 9;
    internal const byte Empty = 0, Wall = 1, Door = 2, Key = 5, Gem = 8; // Door + colour, Key + colour
    internal readonly byte[] Grid = new byte[Cells];
    internal int AgentX, AgentY, Keys;
    private readonly Func<int, int, bool> _enterable;
    private readonly int[] _dist = new int[Cells];

    public HeistGame(EnvironmentOptions options) : base(options) => _enterable = (x, y) => Enterable(Grid[Idx(x, y)], Keys);

    internal override int TimeLimit => 1000;

    private static bool Enterable(byte cell, int keys) =>
        cell != Wall && !(cell >= Door && cell < Key && (keys & (1 << (cell - Door))) == 0);

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 2);
        int cw = rng.NextInclusive(4, 7), ch = rng.NextInclusive(4, 7);
        int ox = (Size - (2 * cw + 1)) / 2, oy = (Size - (2 * ch + 1)) / 2;
        KruskalMaze(ref rng, cw, ch, ox, oy, Grid);
        int startCell = rng.Next(cw * ch);
        AgentX = ox + 2 * (startCell % cw) + 1;
        AgentY = oy + 2 * (startCell / cw) + 1;
        Keys = 0;
        int start = Idx(AgentX, AgentY);

        // Gem: the farthest open cell (ties: lowest index).
        Span<int> dist = stackalloc int[Cells];
        ReadOnlySpan<int> src = [start];
        Distances(src, (x, y) => Grid[Idx(x, y)] != Wall, dist);
        int gem = start;
        for (int i = 0; i < Cells; i++) if (dist[i] > dist[gem]) gem = i;
        Grid[gem] = Gem;

        // The tree path from gem back to start, by orthogonal steps. Every cell on it is a cut of the maze even with
        // diagonal moves: a diagonal move only cuts the corner of a maze cell between two of its openings, and its
        // other side is a wall pillar, so a door on the path cannot be bypassed.
        Span<int> orth = stackalloc int[Cells];
        Distances(src, (x, y) => Grid[Idx(x, y)] != Wall, orth, orthogonal: true);
        Span<int> path = stackalloc int[Cells];
        int len = 0;
        for (int c = gem; c != start;)
        {
            path[len++] = c;
            int next = -1;
            foreach (int nb in (ReadOnlySpan<int>)[c - 1, c + 1, c - Size, c + Size])
                if (orth[nb] == orth[c] - 1 && Grid[nb] != Wall) { next = nb; break; }
            c = next;
        }
        // path[0] = gem … path[len-1] next to the start; start-side position p means path[len - p]. Doors go on
        // distinct positions 2..len-2 (not next to the start or the gem), door 0 nearest the start.
        int doors = rng.Next(4);
        Span<int> positions = stackalloc int[Math.Max(0, len - 3)];
        for (int p = 2; p <= len - 2; p++) positions[p - 2] = p;
        rng.Shuffle(positions);
        int placed = Math.Min(doors, positions.Length);
        positions = positions[..placed];
        positions.Sort();
        Span<int> doorCells = stackalloc int[3];
        for (int d = 0; d < placed; d++) doorCells[d] = path[len - positions[d]];
        Span<int> candidates = stackalloc int[Cells];
        for (int d = 0; d < placed; d++)
        {
            Grid[doorCells[d]] = (byte)(Door + d);
            // Key d: an open cell reachable from the start with doors d.. closed (doors before d are open: keys < d held).
            Distances(src, (x, y) => Enterable(Grid[Idx(x, y)], (1 << d) - 1), dist);
            int n = 0;
            for (int i = 0; i < Cells; i++)
                if (dist[i] > 0 && Grid[i] == Empty) candidates[n++] = i;
            if (n == 0) { Grid[doorCells[d]] = Empty; break; } // no room for a key: fewer doors
            Grid[candidates[rng.Next(n)]] = (byte)(Key + d);
        }
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        int dx = ActionDx[action], dy = ActionDy[action];
        if ((dx == 0 && dy == 0) || !CanMove(AgentX, AgentY, dx, dy, _enterable)) return 0;
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

    /// <summary>Breadth-first search over (cell, keys held) to the gem; returns the first action of a shortest plan.</summary>
    internal override int SolverAction()
    {
        const int States = Cells * 8;
        Span<int> parent = stackalloc int[States];
        Span<byte> firstAction = stackalloc byte[States];
        Span<int> queue = stackalloc int[States];
        parent.Fill(-1);
        int s0 = Idx(AgentX, AgentY) * 8 + Keys;
        parent[s0] = s0;
        int head = 0, tail = 0;
        queue[tail++] = s0;
        while (head < tail)
        {
            int s = queue[head++];
            int c = s >> 3, keys = s & 7, x = c % Size, y = c / Size;
            for (int a = 0; a < 9; a++)
            {
                int dx = ActionDx[a], dy = ActionDy[a];
                if (dx == 0 && dy == 0) continue;
                int k = keys;
                if (!CanMove(x, y, dx, dy, (xx, yy) => Enterable(Grid[Idx(xx, yy)], k))) continue;
                int nc = Idx(x + dx, y + dy);
                byte cell = Grid[nc];
                if (cell == Gem) return s == s0 ? a : firstAction[s];
                int nk = cell >= Key && cell < Gem ? keys | (1 << (cell - Key)) : keys;
                int ns = nc * 8 + nk;
                if (parent[ns] >= 0) continue;
                parent[ns] = s;
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
