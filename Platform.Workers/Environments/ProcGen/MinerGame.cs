using System.Collections.Concurrent;
using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Miner (Boulder Dash), following ProcGen's easy mode. The mine is 10 × 10 cells (walled in, at offset 2 in the 15×15
/// grid; ProcGen's out-of-bounds wall is our wall), all dirt except 3 diamonds and 20 boulders (ProcGen: 12/400 and
/// 80/400 of the area, truncated), placed on distinct uniform cells together with the miner's start cell. The start
/// cell is empty and boulders in the 3 × 3 block around it become dirt. The exit goes on a uniform cell that was dirt
/// when the objects were placed and has dirt or the wall above it; that cell is emptied. Time limit 1000 steps.
/// <para>Rules, per step (as the original's order):</para>
/// <list type="number">
/// <item>Diagonal actions move horizontally (the original drops the vertical part when there is a horizontal one);
/// the special keys are no-ops. The miner enters empty cells, dirt and diamonds; boulders (still or falling) and walls
/// block it.</item>
/// <item>If the miner now stands on the exit and no diamond was left at the end of the previous step: +10, the episode
/// ends. Standing on the exit earlier does nothing.</item>
/// <item>Push: a horizontal move blocked by a resting boulder with an empty cell beyond moves the boulder into that
/// cell and the miner into the boulder's cell (a falling boulder cannot be pushed; nothing is pushed vertically).</item>
/// <item>The miner digs the dirt of its cell, or takes a resting diamond there (+1). A falling diamond does not block
/// the miner but is taken only once it rests.</item>
/// <item>Objects (boulders and diamonds) update bottom row first, left to right within a row, in place: one with an
/// empty cell below (not the miner's) falls one cell and is falling; else, if it is falling and the miner is below,
/// the miner dies (episode ends, no reward); else, if it rests on a boulder or diamond and the cells to its left and
/// below-left are empty (not the miner's), it rolls left and rests; else likewise to the right; else it rests.
/// Because the update is in place, an object that rolls right is updated again in the same sweep (so it can fall at
/// once), while one that rolls left falls only in the next step: the original does the same.</item>
/// </list>
/// <para>Mapping. The original's exit is an entity over an empty cell, so objects can fall or be pushed onto it; we
/// keep the exit's position apart from the grid (<see cref="ExitIdx"/>) and draw it in its own channel, so the same
/// can happen here. "Falling" is the original's MOVING_BOULDER / MOVING_DIAMOND, kept in <see cref="Falling"/>.
/// Deliberate differences: (1) the original keeps its diamond count from the previous episode until the first step
/// (so on a new level the exit could open on step 1); we start from the level's own count. (2) The original has no
/// solvability guarantee; we keep only levels our solver finishes: a candidate drawn as above is replaced by the next
/// draw from the level's stream if the solver (greedy, then a few perturbed greedy runs) cannot finish it; after 64
/// failed draws, a boulder-free level with the diamonds on the floor is used.</para>
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class MinerGame : ProcGenGame
{
    private const int C = 6;
    internal const byte Empty = 0, Wall = 1, Dirt = 2, Boulder = 3, Diamond = 4, Exit = 5;
    internal const int World = 10, Offset = (Size - World) / 2, Diamonds = World * World * 12 / 400, Boulders = World * World * 80 / 400;
    private const int MaxDraws = 64, PerturbedRuns = 12;

    /// <summary>Cell contents; the exit is not stored here (see <see cref="ExitIdx"/>), <see cref="Exit"/> is its channel.</summary>
    internal readonly byte[] Grid = new byte[Cells];
    /// <summary>True where the cell holds a boulder or diamond that fell in the last update.</summary>
    internal readonly bool[] Falling = new bool[Cells];
    internal int AgentX, AgentY, DiamondsLeft, ExitIdx;
    internal bool Dead;
    private readonly Func<int, int, bool> _plannable;
    private readonly int[] _dist = new int[Cells];
    private MinerGame? _a, _b;
    private byte[]? _plan;
    private bool _onPlan;

    private sealed record Level(byte[] Grid, int AgentX, int AgentY, int Diamonds, int Exit, byte[] Plan);
    private static readonly ConcurrentDictionary<ulong, Level> Cache = new();

    public MinerGame(EnvironmentOptions options) : base(options)
    {
        _plannable = (x, y) =>
        {
            int c = Idx(x, y);
            return Grid[c] is Empty or Dirt or Diamond && !(y > 0 && Falling[c - Size]);
        };
    }

    internal override int TimeLimit => 1000;

    protected override void Generate(ulong levelSeed)
    {
        if (!Cache.TryGetValue(levelSeed, out var level))
        {
            level = Draw(levelSeed);
            if (Cache.Count < 20_000) Cache.TryAdd(levelSeed, level);
        }
        Restore(level);
        _plan = level.Plan;
        _onPlan = true;
    }

    private static Level Draw(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 3);
        var search = Rng.Create(levelSeed, 4);
        var probe = new MinerGame(EnvironmentOptions.Default);
        var plan = new List<byte>();
        for (int draw = 0; draw <= MaxDraws; draw++)
        {
            bool fallback = draw == MaxDraws;
            if (fallback) DrawFallback(ref rng, probe);
            else DrawCandidate(ref rng, probe);
            var level = new Level((byte[])probe.Grid.Clone(), probe.AgentX, probe.AgentY, probe.DiamondsLeft, probe.ExitIdx, []);
            for (int run = 0; run <= PerturbedRuns; run++)
            {
                probe.Restore(level);
                if (probe.SolveFromStart(ref search, run == 0 ? 0 : 0.05 + 0.25 * run / PerturbedRuns, plan))
                    return level with { Plan = [.. plan] };
            }
        }
        throw new InvalidOperationException("Miner: the fallback level was not solved");
    }

    private void Restore(Level level)
    {
        level.Grid.CopyTo(Grid, 0);
        Array.Clear(Falling);
        AgentX = level.AgentX;
        AgentY = level.AgentY;
        DiamondsLeft = level.Diamonds;
        ExitIdx = level.Exit;
        Dead = false;
        StepCount = 0;
        _plan = null;
        _onPlan = false;
    }

    /// <summary>One draw of ProcGen's easy-mode generator (see the class comment), written into <paramref name="g"/>.</summary>
    private static void DrawCandidate(ref Rng rng, MinerGame g)
    {
        var grid = g.Grid;
        Array.Fill(grid, Wall);
        for (int y = Offset; y < Offset + World; y++)
            for (int x = Offset; x < Offset + World; x++) grid[Idx(x, y)] = Dirt;
        // Distinct cells: the start, then the diamonds, then the boulders.
        Span<int> chosen = stackalloc int[1 + Diamonds + Boulders];
        for (int i = 0; i < chosen.Length; i++)
        {
            int c;
            do c = Idx(Offset + rng.Next(World), Offset + rng.Next(World)); while (chosen[..i].Contains(c));
            chosen[i] = c;
            if (i > 0) grid[c] = i <= Diamonds ? Diamond : Boulder;
        }
        int agent = chosen[0];
        Span<bool> wasDirt = stackalloc bool[Cells];
        for (int c = 0; c < Cells; c++) wasDirt[c] = grid[c] == Dirt;
        grid[agent] = Empty;
        int ax = agent % Size, ay = agent / Size;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                if (grid[Idx(ax + dx, ay + dy)] == Boulder) grid[Idx(ax + dx, ay + dy)] = Dirt;
        Span<int> candidates = stackalloc int[Cells];
        int n = 0;
        for (int c = Size; c < Cells; c++)
            if (wasDirt[c] && grid[c - Size] is Dirt or Wall) candidates[n++] = c;
        int exit = candidates[rng.Next(n)];
        grid[exit] = Empty;
        g.Set(agent, exit, Diamonds);
    }

    /// <summary>Last resort: all dirt, no boulders, the diamonds on the floor, the exit and start drawn as usual.</summary>
    private static void DrawFallback(ref Rng rng, MinerGame g)
    {
        var grid = g.Grid;
        Array.Fill(grid, Wall);
        for (int y = Offset; y < Offset + World; y++)
            for (int x = Offset; x < Offset + World; x++) grid[Idx(x, y)] = Dirt;
        for (int d = 0; d < Diamonds; d++)
        {
            int c = Idx(Offset + rng.Next(World), Offset + World - 1);
            if (grid[c] == Diamond) { d--; continue; }
            grid[c] = Diamond;
        }
        int exit, agent;
        do exit = Idx(Offset + rng.Next(World), Offset + rng.Next(World)); while (grid[exit] != Dirt);
        do agent = Idx(Offset + rng.Next(World), Offset + rng.Next(World)); while (grid[agent] != Dirt || agent == exit);
        grid[exit] = Empty;
        grid[agent] = Empty;
        g.Set(agent, exit, Diamonds);
    }

    private void Set(int agent, int exit, int diamonds)
    {
        AgentX = agent % Size;
        AgentY = agent / Size;
        ExitIdx = exit;
        DiamondsLeft = diamonds;
        Array.Clear(Falling);
        Dead = false;
        StepCount = 0;
    }

    /// <summary>
    /// Runs the solver (greedy; with probability <paramref name="eps"/> a uniform safe move instead) from the current
    /// state and records its actions in <paramref name="plan"/>; true if it reaches the exit in time.
    /// </summary>
    private bool SolveFromStart(ref Rng rng, double eps, List<byte> plan)
    {
        plan.Clear();
        int lastProgress = 0;
        while (StepCount < TimeLimit && StepCount - lastProgress < 150)
        {
            int a = Greedy(ref rng, eps);
            plan.Add((byte)a);
            StepCount++;
            float r = Act(a, out bool done);
            if (done) return !Dead && r >= 10;
            if (r > 0) lastProgress = StepCount;
        }
        return false;
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        if (_onPlan && (StepCount > _plan!.Length || _plan[StepCount - 1] != action)) _onPlan = false;
        float reward = 0;
        var grid = Grid;
        // The original zeroes the vertical part of a move that has a horizontal one.
        int dx = ActionDx[action], dy = dx != 0 ? 0 : ActionDy[action];
        int agent = Idx(AgentX, AgentY);
        bool blocked = false;
        if (dx != 0 || dy != 0)
        {
            int target = agent + dx + dy * Size;
            if (grid[target] is Wall or Boulder) blocked = true;
            else
            {
                agent = target;
                AgentX += dx;
                AgentY += dy;
            }
        }
        if (agent == ExitIdx && DiamondsLeft == 0)
        {
            terminal = true;
            return 10;
        }
        if (blocked && dx != 0 && grid[agent + dx] == Boulder && !Falling[agent + dx] && grid[agent + 2 * dx] == Empty)
        {
            grid[agent + 2 * dx] = Boulder;
            grid[agent + dx] = Empty;
            agent += dx;
            AgentX += dx;
        }
        byte cell = grid[agent];
        if (cell == Dirt) grid[agent] = Empty;
        else if (cell == Diamond && !Falling[agent])
        {
            grid[agent] = Empty;
            DiamondsLeft--;
            reward = 1;
        }

        var falling = Falling;
        for (int row = Size - 2; row >= 1; row--)
        {
            int end = row * Size + Size - 1;
            for (int c = row * Size + 1; c < end; c++)
            {
                byte obj = grid[c];
                if (obj is not (Boulder or Diamond)) continue;
                int below = c + Size;
                byte under = grid[below];
                if (under == Empty && below != agent)
                {
                    grid[below] = obj;
                    falling[below] = true;
                    grid[c] = Empty;
                    falling[c] = false;
                }
                else if (below == agent && falling[c])
                {
                    Dead = true;
                    terminal = true;
                }
                else if (under is Boulder or Diamond && grid[c - 1] == Empty && c - 1 != agent && grid[below - 1] == Empty && below - 1 != agent)
                {
                    grid[c - 1] = obj;
                    falling[c - 1] = false;
                    grid[c] = Empty;
                    falling[c] = false;
                }
                else if (under is Boulder or Diamond && grid[c + 1] == Empty && c + 1 != agent && grid[below + 1] == Empty && below + 1 != agent)
                {
                    grid[c + 1] = obj;
                    falling[c + 1] = false;
                    grid[c] = Empty;
                    falling[c] = false;
                }
                else falling[c] = false;
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
        o[ExitIdx * C + Exit - 1] = 1;
        o[Idx(AgentX, AgentY) * C + 5] = 1;
    }

    internal override ulong LayoutHash() => Fnv(Fnv(HashCells(Grid), (ulong)Idx(AgentX, AgentY)), (ulong)ExitIdx);

    private void CopyFrom(MinerGame g)
    {
        g.Grid.CopyTo(Grid, 0);
        g.Falling.CopyTo(Falling, 0);
        AgentX = g.AgentX;
        AgentY = g.AgentY;
        DiamondsLeft = g.DiamondsLeft;
        ExitIdx = g.ExitIdx;
        Dead = g.Dead;
        StepCount = g.StepCount;
        _onPlan = false;
    }

    /// <summary>
    /// On a generated level played from its start with the solver's own actions, the plan recorded when the level was
    /// generated (which is known to finish it); otherwise the greedy move below.
    /// </summary>
    internal override int SolverAction()
    {
        if (_onPlan && StepCount < _plan!.Length) return _plan[StepCount];
        var none = default(Rng);
        return Greedy(ref none, 0);
    }

    private static ReadOnlySpan<int> Moves => [1, 3, 4, 5, 7];

    /// <summary>
    /// Greedy move with a two-step safety look-ahead: among the moves (left, down, stay, up, right) that do not get the
    /// miner killed in this step or leave it with no safe move in the next, take the one that collects the most, then
    /// gets closest to the nearest diamond (or the exit once all are taken) through dirt, empty cells and diamonds.
    /// With probability <paramref name="eps"/>, a uniform safe move instead.
    /// </summary>
    private int Greedy(ref Rng rng, double eps)
    {
        _a ??= new MinerGame(EnvironmentOptions.Default);
        _b ??= new MinerGame(EnvironmentOptions.Default);
        Span<int> targets = stackalloc int[Cells];
        int n = 0;
        if (DiamondsLeft > 0)
        {
            for (int i = 0; i < Cells; i++)
                if (Grid[i] == Diamond) targets[n++] = i;
        }
        else targets[n++] = ExitIdx;
        Distances(targets[..n], _plannable, _dist, orthogonal: true);
        Span<int> safe = stackalloc int[Moves.Length];
        int nSafe = 0, best = NoOp;
        double bestScore = double.NegativeInfinity;
        foreach (int a in Moves)
        {
            _a.CopyFrom(this);
            float r = _a.Act(a, out bool done);
            if (_a.Dead) continue;
            double score;
            if (done) score = 1e9;
            else
            {
                bool ok = false;
                foreach (int b in Moves)
                {
                    _b.CopyFrom(_a);
                    _b.Act(b, out _);
                    if (!_b.Dead) { ok = true; break; }
                }
                if (!ok) continue;
                int d = _dist[Idx(_a.AgentX, _a.AgentY)];
                score = r * 1000 - (d < 0 ? 500 : d);
            }
            safe[nSafe++] = a;
            if (score > bestScore) { bestScore = score; best = a; }
        }
        if (eps > 0 && nSafe > 0 && bestScore < 1e9 && rng.NextDouble() < eps) best = safe[rng.Next(nSafe)];
        return best;
    }

    private static readonly byte[] Colors = [90, 90, 90, 120, 80, 40, 160, 160, 170, 80, 240, 255, 60, 220, 60, 255, 230, 60];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    public override (byte R, byte G, byte B) Background => (15, 10, 5);
}
