using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Leaper (Frogger): from the start row at the bottom, cross 2..4 road lanes, a safe median, and 2..4 river lanes to
/// the finish row (+10, episode ends; rows above it are wall). Each lane has a direction, a period k ∈ {1, 2, 3}
/// (it shifts one cell every k steps, wrapping around the 15-cell width) and a fixed pattern: cars of length 1..2 on
/// roads, logs of length 2..4 in the river. Each step the frog moves (within the grid), then the lanes shift; a
/// frog in a river lane is carried with it (carried off the edge: dead). The frog dies if it ends the step on a car or
/// in the water. Lanes are a pure function of time, so the solver is an exact breadth-first search over
/// (x, y, t mod 90); levels the search cannot solve within the 500-step limit are redrawn from the level's random stream.
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class LeaperGame : ProcGenGame
{
    private const int C = 6, Period = 90, StartRow = Size - 1;
    internal const byte Safe = 0, Road = 1, River = 2, Finish = 3, Wall = 4;

    internal readonly byte[] RowKind = new byte[Size];
    internal readonly int[] RowDir = new int[Size], RowPeriod = new int[Size];
    internal readonly bool[] Pattern = new bool[Cells]; // pattern of row y at [y * Size + i]
    internal int FinishRow, AgentX, AgentY;
    internal bool Dead;
    private readonly List<int> _plan = [];
    private ulong _planSeed = ulong.MaxValue;

    public LeaperGame(EnvironmentOptions options) : base(options) { }

    internal override int TimeLimit => 500;

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 5);
        // The index of the first solvable draw is cached per level seed, so a level is searched only once.
        int known = SolvableAttempt.TryGetValue(levelSeed, out int a) ? a : -1;
        for (int attempt = 0; ; attempt++)
        {
            DrawCandidate(ref rng, easy: attempt >= 32);
            AgentX = Size / 2;
            AgentY = StartRow;
            Dead = false;
            if (known >= 0)
            {
                if (attempt == known) return;
                continue;
            }
            if (Plan(AgentX, AgentY, 0, _plan))
            {
                _planSeed = levelSeed;
                _planStart = 0;
                TracePlan(0);
                if (SolvableAttempt.Count < 100_000) SolvableAttempt.TryAdd(levelSeed, attempt);
                return;
            }
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, int> SolvableAttempt = new();

    private void DrawCandidate(ref Rng rng, bool easy)
    {
        Array.Clear(Pattern);
        Array.Fill(RowKind, Wall);
        int roads = rng.NextInclusive(2, 4), rivers = rng.NextInclusive(2, 4);
        int y = StartRow;
        RowKind[y--] = Safe;
        for (int i = 0; i < roads; i++) SetLane(ref rng, y--, Road, easy);
        RowKind[y--] = Safe;
        for (int i = 0; i < rivers; i++) SetLane(ref rng, y--, River, easy);
        FinishRow = y;
        RowKind[y] = Finish;
    }

    private void SetLane(ref Rng rng, int y, byte kind, bool easy)
    {
        RowKind[y] = kind;
        RowDir[y] = rng.Next(2) == 0 ? -1 : 1;
        RowPeriod[y] = rng.NextInclusive(1, 3);
        var row = Pattern.AsSpan(y * Size, Size);
        if (kind == River && easy) { row.Fill(true); return; }
        if (kind == Road && easy) return;
        int x = rng.Next(Size);
        int placed = 0;
        while (placed < Size)
        {
            int len = kind == Road ? rng.NextInclusive(1, 2) : rng.NextInclusive(2, 4);
            int gap = kind == Road ? rng.NextInclusive(3, 6) : rng.NextInclusive(1, 3);
            if (placed + len + Math.Min(gap, 1) > Size) break;
            for (int k = 0; k < len; k++) row[(x + k) % Size] = true;
            x = (x + len + gap) % Size;
            placed += len + gap;
        }
    }

    /// <summary>Whether row y has a car or log at column x at time t.</summary>
    internal bool Occupied(int x, int y, int t)
    {
        int shift = RowDir[y] * (t / RowPeriod[y]);
        int i = ((x - shift) % Size + Size) % Size;
        return Pattern[y * Size + i];
    }

    /// <summary>The rules of one step from (x, y) at time t: new position, and whether the frog died or finished.</summary>
    internal (int X, int Y, bool Dead, bool Won) Transition(int x, int y, int t, int action)
    {
        int nx = x + ActionDx[action], ny = y + ActionDy[action];
        if (nx < 0 || nx >= Size) nx = x;
        if (ny < FinishRow || ny > StartRow) ny = y;
        if (ny == FinishRow) return (nx, ny, false, true);
        int t1 = t + 1;
        byte kind = RowKind[ny];
        if (kind == River && t1 / RowPeriod[ny] != t / RowPeriod[ny])
        {
            nx += RowDir[ny];
            if (nx < 0 || nx >= Size) return (Math.Clamp(nx, 0, Size - 1), ny, true, false);
        }
        if (kind == Road && Occupied(nx, ny, t1)) return (nx, ny, true, false);
        if (kind == River && !Occupied(nx, ny, t1)) return (nx, ny, true, false);
        return (nx, ny, false, false);
    }

    internal override float Act(int action, out bool terminal)
    {
        var (x, y, dead, won) = Transition(AgentX, AgentY, StepCount - 1, action);
        AgentX = x;
        AgentY = y;
        Dead = dead;
        terminal = dead || won;
        return won ? 10 : 0;
    }

    /// <summary>Breadth-first search over (x, y, t mod 90) for the fewest steps to the finish; fills <paramref name="plan"/>.</summary>
    internal bool Plan(int x0, int y0, int t0, List<int> plan)
    {
        plan.Clear();
        int states = Cells * Period;
        var parent = new int[states];
        var act = new byte[states];
        var depth = new int[states];
        Array.Fill(parent, -1);
        var queue = new int[states];
        int head = 0, tail = 0;
        int s0 = (Idx(x0, y0) * Period) + t0 % Period;
        parent[s0] = s0;
        queue[tail++] = s0;
        while (head < tail)
        {
            int s = queue[head++];
            int c = s / Period, x = c % Size, y = c / Size;
            int t = t0 + depth[s];
            if (depth[s] + 1 > TimeLimit) continue;
            for (int a = 0; a < 9; a++)
            {
                var (nx, ny, dead, won) = Transition(x, y, t, a);
                if (dead) continue;
                if (won)
                {
                    plan.Add(a);
                    for (int p = s; p != s0; p = parent[p]) plan.Add(act[p]);
                    plan.Reverse();
                    return true;
                }
                int ns = Idx(nx, ny) * Period + (t + 1) % Period;
                if (parent[ns] >= 0) continue;
                parent[ns] = s;
                act[ns] = (byte)a;
                depth[ns] = depth[s] + 1;
                queue[tail++] = ns;
            }
        }
        return false;
    }

    public override void WriteObservation(Span<float> o)
    {
        int t = StepCount;
        for (int y = 0; y < Size; y++)
        {
            byte kind = RowKind[y];
            for (int x = 0; x < Size; x++)
            {
                int b = Idx(x, y) * C;
                switch (kind)
                {
                    case Wall: o[b] = 1; break;
                    case Finish: o[b + 5] = 1; break;
                    case Road: if (Occupied(x, y, t)) o[b + 2] = 1; break;
                    case River: o[b + (Occupied(x, y, t) ? 3 : 4)] = 1; break;
                }
            }
        }
        o[Idx(AgentX, AgentY) * C + 1] = 1;
    }

    internal override ulong LayoutHash()
    {
        ulong h = 0xCBF29CE484222325UL;
        for (int y = 0; y < Size; y++)
        {
            h = Fnv(h, RowKind[y]);
            if (RowKind[y] is Road or River) h = Fnv(Fnv(h, (ulong)(RowDir[y] + 2)), (ulong)RowPeriod[y]);
        }
        for (int i = 0; i < Cells; i++) h = Fnv(h, Pattern[i] ? 1UL : 0UL);
        return h;
    }

    /// <summary>Follows the breadth-first plan, re-planning from the current state if the episode has left it.</summary>
    internal override int SolverAction()
    {
        int k = StepCount - _planStart;
        bool onPlan = _planSeed == LevelSeed && k >= 0 && k < _plan.Count && _planX[k] == AgentX && _planY[k] == AgentY;
        if (!onPlan)
        {
            if (!Plan(AgentX, AgentY, StepCount, _plan)) return NoOp;
            _planSeed = LevelSeed;
            _planStart = StepCount;
            TracePlan(StepCount);
            k = 0;
        }
        return _plan[k];
    }

    private int _planStart;
    private readonly List<int> _planX = [], _planY = [];

    private void TracePlan(int t0)
    {
        _planX.Clear();
        _planY.Clear();
        int x = AgentX, y = AgentY;
        for (int i = 0; i < _plan.Count; i++)
        {
            _planX.Add(x);
            _planY.Add(y);
            (x, y, _, _) = Transition(x, y, t0 + i, _plan[i]);
        }
    }

    private static readonly byte[] Colors = [60, 60, 60, 80, 255, 80, 230, 60, 60, 150, 100, 50, 30, 60, 200, 255, 220, 60];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    public override (byte R, byte G, byte B) Background => (45, 45, 45);
}
