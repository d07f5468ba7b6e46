using System.Collections.Concurrent;
using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Miner (Boulder Dash): a 9..13 × 9..13 mine of dirt with some empty cells, boulders (about 12%), 3..6 diamonds and
/// an exit, walled in and centred in the 15×15 grid. The miner digs through dirt, cannot push boulders, takes a
/// diamond by stepping on it (+1), and once every diamond is taken may step onto the exit (+10, episode ends).
/// After the miner moves, boulders and diamonds fall one cell (bottom row first) into empty cells below them; one
/// that fell last step and finds the miner below it kills the miner (episode ends). Time limit 1000 steps.
/// Every level is checked by the solver when generated and re-drawn from the level's random stream until solvable;
/// after 64 failed draws a level without boulders and with diamonds on the floor is used.
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class MinerGame : ProcGenGame
{
    private const int C = 6;
    internal const byte Empty = 0, Wall = 1, Dirt = 2, Boulder = 3, Diamond = 4, Exit = 5;

    internal readonly byte[] Grid = new byte[Cells];
    internal readonly bool[] Falling = new bool[Cells];
    internal int AgentX, AgentY, DiamondsLeft;
    internal bool Dead;
    private readonly Func<int, int, bool> _enterable, _plannable;
    private readonly int[] _dist = new int[Cells];
    private MinerGame? _a, _b;

    private sealed record Level(byte[] Grid, int AgentX, int AgentY, int Diamonds);
    private static readonly ConcurrentDictionary<ulong, Level> Cache = new();

    public MinerGame(EnvironmentOptions options) : base(options)
    {
        _enterable = (x, y) => Enterable(Grid[Idx(x, y)]);
        _plannable = (x, y) => Enterable(Grid[Idx(x, y)]) && !(y > 0 && Falling[Idx(x, y - 1)]);
    }

    internal override int TimeLimit => 1000;

    private bool Enterable(byte cell) => cell is Empty or Dirt or Diamond || (cell == Exit && DiamondsLeft == 0);

    protected override void Generate(ulong levelSeed)
    {
        if (!Cache.TryGetValue(levelSeed, out var level))
        {
            level = Draw(levelSeed);
            if (Cache.Count < 20_000) Cache.TryAdd(levelSeed, level);
        }
        level.Grid.CopyTo(Grid, 0);
        Array.Clear(Falling);
        AgentX = level.AgentX;
        AgentY = level.AgentY;
        DiamondsLeft = level.Diamonds;
        Dead = false;
    }

    private Level Draw(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 3);
        var probe = new MinerGame(EnvironmentOptions.Default);
        for (int attempt = 0; attempt <= 64; attempt++)
        {
            DrawCandidate(ref rng, probe, easy: attempt == 64);
            var level = new Level((byte[])probe.Grid.Clone(), probe.AgentX, probe.AgentY, probe.DiamondsLeft);
            if (attempt == 64 || probe.SolveFromStart()) return level;
        }
        throw new InvalidOperationException("unreachable");
    }

    private static void DrawCandidate(ref Rng rng, MinerGame g, bool easy)
    {
        int w = rng.NextInclusive(9, 13), h = rng.NextInclusive(9, 13);
        int ox = (Size - w) / 2, oy = (Size - h) / 2;
        var grid = g.Grid;
        Array.Fill(grid, Wall);
        for (int y = oy; y < oy + h; y++)
            for (int x = ox; x < ox + w; x++)
            {
                double r = rng.NextDouble();
                grid[Idx(x, y)] = easy ? Dirt : r < 0.12 ? Boulder : r < 0.20 ? Empty : Dirt;
            }
        int diamonds = rng.NextInclusive(3, 6);
        for (int d = 0; d < diamonds; d++)
        {
            int x = ox + rng.Next(w), y = easy ? oy + h - 1 : oy + rng.Next(h);
            if (grid[Idx(x, y)] == Diamond) { d--; continue; }
            grid[Idx(x, y)] = Diamond;
        }
        int exit, agent;
        do exit = Idx(ox + rng.Next(w), oy + rng.Next(h)); while (grid[exit] == Diamond);
        grid[exit] = Exit;
        do agent = Idx(ox + rng.Next(w), oy + rng.Next(h)); while (grid[agent] is Diamond or Exit);
        grid[agent] = Empty;
        g.AgentX = agent % Size;
        g.AgentY = agent / Size;
        g.DiamondsLeft = diamonds;
        Array.Clear(g.Falling);
        g.Dead = false;
        g.StepCount = 0;
    }

    /// <summary>Runs the solver on this instance from its current state; true if it reaches the exit in time.</summary>
    private bool SolveFromStart()
    {
        int lastProgress = 0;
        while (StepCount < TimeLimit && StepCount - lastProgress < 150)
        {
            StepCount++;
            float r = Act(SolverAction(), out bool done);
            if (done) return !Dead;
            if (r > 0) lastProgress = StepCount;
        }
        return false;
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        float reward = 0;
        int dx = ActionDx[action], dy = ActionDy[action];
        if ((dx != 0 || dy != 0) && CanMove(AgentX, AgentY, dx, dy, _enterable))
        {
            AgentX += dx;
            AgentY += dy;
            int c = Idx(AgentX, AgentY);
            byte cell = Grid[c];
            if (cell == Exit)
            {
                terminal = true;
                return 10;
            }
            if (cell == Diamond) { reward = 1; DiamondsLeft--; }
            Grid[c] = Empty;
        }

        // Gravity, bottom row first so that stacks fall together.
        int agent = Idx(AgentX, AgentY);
        for (int c = Cells - Size - 1; c >= 0; c--)
        {
            byte cell = Grid[c];
            if (cell != Boulder && cell != Diamond) continue;
            int below = c + Size;
            if (Grid[below] == Empty && below != agent)
            {
                Grid[below] = cell;
                Grid[c] = Empty;
                Falling[below] = true;
                Falling[c] = false;
            }
            else
            {
                if (below == agent && Falling[c]) { Dead = true; terminal = true; }
                Falling[c] = false;
            }
        }
        return reward;
    }

    public override void WriteObservation(Span<float> o)
    {
        var grid = Grid;
        for (int i = 0; i < Cells; i++)
        {
            byte cell = grid[i];
            if (cell != Empty) o[i * C + cell - 1] = 1;
        }
        o[Idx(AgentX, AgentY) * C + 5] = 1;
    }

    internal override ulong LayoutHash() => Fnv(HashCells(Grid), (ulong)Idx(AgentX, AgentY));

    private void CopyFrom(MinerGame g)
    {
        g.Grid.CopyTo(Grid, 0);
        g.Falling.CopyTo(Falling, 0);
        AgentX = g.AgentX;
        AgentY = g.AgentY;
        DiamondsLeft = g.DiamondsLeft;
        Dead = g.Dead;
        StepCount = g.StepCount;
    }

    /// <summary>
    /// Greedy solver with a two-step safety look-ahead: among the moves that do not get the miner killed in this step
    /// or leave it with no safe move in the next, take the one that collects the most, then gets closest to the nearest
    /// diamond (or the exit once all are taken) through dirt and empty cells.
    /// </summary>
    internal override int SolverAction()
    {
        _a ??= new MinerGame(EnvironmentOptions.Default);
        _b ??= new MinerGame(EnvironmentOptions.Default);
        Span<int> targets = stackalloc int[Cells];
        int n = 0;
        for (int i = 0; i < Cells; i++)
            if (DiamondsLeft > 0 ? Grid[i] == Diamond : Grid[i] == Exit) targets[n++] = i;
        Distances(targets[..n], _plannable, _dist);
        int best = NoOp;
        double bestScore = double.NegativeInfinity;
        for (int a = 0; a < 9; a++)
        {
            _a.CopyFrom(this);
            float r = _a.Act(a, out bool done);
            if (_a.Dead) continue;
            double score;
            if (done) score = 1e9;
            else
            {
                bool safe = false;
                for (int b = 0; b < 9 && !safe; b++)
                {
                    _b.CopyFrom(_a);
                    _b.Act(b, out _);
                    safe = !_b.Dead;
                }
                if (!safe) continue;
                int d = _dist[Idx(_a.AgentX, _a.AgentY)];
                score = r * 1000 - (d < 0 ? 500 : d);
            }
            if (score > bestScore) { bestScore = score; best = a; }
        }
        return best;
    }

    private static readonly byte[] Colors = [90, 90, 90, 120, 80, 40, 160, 160, 170, 80, 240, 255, 60, 220, 60, 255, 230, 60];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    public override (byte R, byte G, byte B) Background => (15, 10, 5);
}
