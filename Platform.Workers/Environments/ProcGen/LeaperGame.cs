using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Leaper (Frogger), following ProcGen's easy mode: a 9×9 world (centred in the 15×15 grid, padded with walls). The
/// frog starts in a random column of the bottom row; above it lie d road lanes, one safe median row, d water lanes
/// and the finish row, with d uniform in 0..3 (easy mode draws one "difficulty" for both, so roads and rivers have the
/// same count and d = 0 gives start, median, finish). Rows above the finish are empty and unreachable.
/// <para>
/// Discrete mapping of the continuous original. One step here is one frog hop: in the original a hop moves exactly
/// one cell over 4 frames and the frog cannot act again until the 5th frame ends, so a step is 5 original frames.
/// Hence the time limit is 100 steps (500 frames), and lane speeds are the original's per-frame speeds × 5: cars
/// |v| ∈ [0.15, 0.6) cells/step (0.03..0.12 per frame), logs |v| ∈ [0.125, 0.375) (0.025..0.075 per frame). Car lanes
/// draw their directions independently, water lanes alternate direction from a random first one. A lane moves as a
/// rigid strip: its offset at step t is sign · ⌊φ + |v|·t⌋ (φ a random phase), i.e. it shifts one whole cell whenever
/// the continuous position crosses a cell boundary, so over time it keeps the original speed. Cars and logs are one
/// cell long (original: car 1.0, log 0.9 wide). The original spawns at the edge with probability |v|/6 (cars) or |v|/2
/// (logs) per frame unless the new object would overlap the last one, and warms up until the lanes are full: along a
/// lane this gives a minimum spacing of one object plus an exponential gap of mean 6 (cars) or 2 (logs) cells, whose
/// discrete analogue is an independent Bernoulli draw per lane cell with the same density, 1/7 for cars and
/// 0.9/2.9 ≈ 0.31 for logs.
/// </para>
/// <para>
/// Rules of a step (original semantics in brackets): a diagonal action hops horizontally [the horizontal component
/// wins]; keys 9..14 are no-ops; a hop into the world's edge is blocked. Then the lanes move. A frog that ends in a
/// water lane rides it [it moves with the log it stands on], so a hop onto a log seen in the observation lands on it;
/// carried past the world's edge it dies [out of bounds]; if no log is under it, it drowns. In a road lane it dies if a
/// car is on its cell after the move, or if it hopped head-on into a car that moves into the cell it left (the two
/// would cross mid-hop). Landing in the finish row gives +10 and ends the episode. The original does not guarantee a
/// crossing exists; here a level whose crossing is impossible within the time limit has its lanes redrawn from the
/// level's random stream (the lane counts, speeds and start stay), so every level is solvable.
/// </para>
/// Lanes are a pure function of the step, so the solver is an exact reachability search over (column, row, step),
/// done with 9-bit row masks (the same one runs at generation to check solvability).
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class LeaperGame : ProcGenGame
{
    private const int C = 6;
    internal const int WorldSize = 9, X0 = (Size - WorldSize) / 2, Y0 = (Size - WorldSize) / 2;
    internal const int StartRow = Y0 + WorldSize - 1, Steps = 100;
    private const uint Full = (1u << WorldSize) - 1;
    internal const byte Safe = 0, Road = 1, River = 2, Finish = 3, Wall = 4;
    internal const double MinCarSpeed = 0.15, MaxCarSpeed = 0.6, MinLogSpeed = 0.125, MaxLogSpeed = 0.375;
    internal const double CarDensity = 1.0 / 7, LogDensity = 0.9 / 2.9;
    private const ulong CarThreshold = (ulong)(CarDensity * 18446744073709551616.0), LogThreshold = (ulong)(LogDensity * 18446744073709551616.0);
    // The largest lane displacement in an episode: ⌊φ + |v|·100⌋ with φ < 1, |v| < 0.6.
    private const int MaxOffset = 60, PositiveBase = 64, PatternBits = PositiveBase + WorldSize;

    internal readonly byte[] RowKind = new byte[Size];
    /// <summary>Per lane row: direction (±1), speed in cells per step, phase in [0, 1).</summary>
    internal readonly int[] RowDir = new int[Size];
    internal readonly double[] RowSpeed = new double[Size], RowPhase = new double[Size];
    /// <summary>Per lane row: bit j = a car or log in lane cell j; world column x at step t is lane cell x − offset + base.</summary>
    internal readonly UInt128[] Pattern = new UInt128[Size];
    internal int Lanes, FinishRow, AgentX, AgentY, StartX;
    /// <summary>How many times this level's lanes were redrawn because no crossing existed.</summary>
    internal int Redraws;
    internal bool Dead;

    private readonly ushort[] _reach = new ushort[(Steps + 1) * Size];
    private readonly List<int> _plan = [];
    private readonly List<int> _planX = [], _planY = [];
    private ulong _planSeed = ulong.MaxValue;
    private int _planStart;

    public LeaperGame(EnvironmentOptions options) : base(options) { }

    internal override int TimeLimit => Steps;

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 5);
        Array.Fill(RowKind, Wall);
        Array.Clear(Pattern);
        Lanes = rng.Next(4);
        StartX = X0 + rng.Next(WorldSize);
        for (int y = Y0; y <= StartRow; y++) RowKind[y] = Safe;
        int row = StartRow - 1;
        for (int i = 0; i < Lanes; i++) SetLane(ref rng, row--, Road, rng.Next(2) == 0 ? -1 : 1);
        row--; // median
        int dir = rng.Next(2) == 0 ? -1 : 1;
        for (int i = 0; i < Lanes; i++, dir = -dir) SetLane(ref rng, row--, River, dir);
        FinishRow = row;
        RowKind[row] = Finish;
        AgentX = StartX;
        AgentY = StartRow;
        Dead = false;
        _planSeed = ulong.MaxValue;
        for (int attempt = 0; ; attempt++)
        {
            for (int y = FinishRow + 1; y < StartRow; y++)
                if (RowKind[y] is Road or River) DrawLane(ref rng, y, easy: attempt >= 16);
            Redraws = attempt;
            if (Search(AgentX, AgentY, 0) >= 0) return;
        }
    }

    private void SetLane(ref Rng rng, int y, byte kind, int dir)
    {
        RowKind[y] = kind;
        RowDir[y] = dir;
        RowSpeed[y] = kind == Road
            ? MinCarSpeed + (MaxCarSpeed - MinCarSpeed) * rng.NextDouble()
            : MinLogSpeed + (MaxLogSpeed - MinLogSpeed) * rng.NextDouble();
    }

    /// <summary>Draws a lane's phase and objects; <paramref name="easy"/> (the last resort) gives an empty road or a river full of logs.</summary>
    private void DrawLane(ref Rng rng, int y, bool easy)
    {
        RowPhase[y] = rng.NextDouble();
        bool river = RowKind[y] == River;
        if (easy) { Pattern[y] = river ? ~UInt128.Zero : UInt128.Zero; return; }
        ulong threshold = river ? LogThreshold : CarThreshold;
        // Only the lane cells an episode can show: 0..68 for a lane moving left, 4..72 for one moving right.
        int from = RowDir[y] > 0 ? PositiveBase - MaxOffset : 0, to = RowDir[y] > 0 ? PatternBits : WorldSize + MaxOffset;
        ulong lo = 0, hi = 0;
        for (int j = from; j < to; j++)
            if (rng.NextUInt64() < threshold)
            {
                if (j < 64) lo |= 1UL << j; else hi |= 1UL << (j - 64);
            }
        Pattern[y] = new UInt128(hi, lo);
    }

    /// <summary>The lane's displacement in whole cells at step t (|v|·t ≤ 60 over an episode, within the pattern).</summary>
    internal int Offset(int y, int t)
    {
        if (t > Steps) t = Steps;
        return RowDir[y] * (int)(RowPhase[y] + RowSpeed[y] * t);
    }

    /// <summary>The occupied world columns (bit i = grid column X0 + i) of lane row y at step t.</summary>
    internal uint Mask(int y, int t)
    {
        int shift = (RowDir[y] > 0 ? PositiveBase : 0) - Offset(y, t);
        return (uint)(Pattern[y] >> shift) & Full;
    }

    /// <summary>Whether lane row y has a car or log at grid column x at step t.</summary>
    internal bool Occupied(int x, int y, int t) => RowKind[y] is Road or River && (Mask(y, t) >> (x - X0) & 1) != 0;

    /// <summary>Places a car or log (or clears it) at grid column x of lane row y at step t, for hand-built tests.</summary>
    internal void SetObject(int x, int y, int t, bool present)
    {
        int j = x - X0 + (RowDir[y] > 0 ? PositiveBase : 0) - Offset(y, t);
        if (present) Pattern[y] |= UInt128.One << j; else Pattern[y] &= ~(UInt128.One << j);
    }

    /// <summary>The rules of one step from (x, y) at step t: new position, and whether the frog died or finished.</summary>
    internal (int X, int Y, bool Dead, bool Won) Transition(int x, int y, int t, int action)
    {
        int dx = ActionDx[action], dy = dx != 0 ? 0 : ActionDy[action];
        int nx = x + dx, ny = y + dy;
        if (nx < X0 || nx >= X0 + WorldSize) nx = x;
        if (ny < Y0 || ny > StartRow) ny = y;
        byte kind = RowKind[ny];
        if (kind == Finish) return (nx, ny, false, true);
        if (kind == River)
        {
            nx += Offset(ny, t + 1) - Offset(ny, t);
            if (nx < X0 || nx >= X0 + WorldSize) return (Math.Clamp(nx, X0, X0 + WorldSize - 1), ny, true, false);
            return (nx, ny, !Occupied(nx, ny, t + 1), false);
        }
        if (kind == Road)
        {
            int shift = Offset(ny, t + 1) - Offset(ny, t);
            bool headOn = ny == y && nx != x && shift == x - nx && Occupied(nx, ny, t);
            return (nx, ny, headOn || Occupied(nx, ny, t + 1), false);
        }
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

    /// <summary>
    /// Reachability from (x0, y0) at step t0 over the frog's live positions, one 9-bit mask per row and step (kept in
    /// <see cref="_reach"/>), mirroring <see cref="Transition"/>; returns the step at which the frog can stand on the
    /// finish row (before the time limit), or −1.
    /// </summary>
    private int Search(int x0, int y0, int t0)
    {
        Array.Clear(_reach);
        _reach[t0 * Size + y0] = (ushort)(1u << (x0 - X0));
        for (int t = t0; t + 1 < Steps; t++)
        {
            var cur = _reach.AsSpan(t * Size, Size);
            var next = _reach.AsSpan((t + 1) * Size, Size);
            if (cur[FinishRow + 1] != 0) return t + 1;
            bool any = false;
            for (int y = FinishRow + 1; y <= StartRow; y++)
            {
                uint r = cur[y];
                uint left = r >> 1, right = (r << 1) & Full;
                uint vertical = (y + 1 <= StartRow ? cur[y + 1] : 0u) | (y - 1 > FinishRow ? cur[y - 1] : 0u);
                uint m;
                switch (RowKind[y])
                {
                    case River:
                    {
                        uint cand = r | left | right | vertical;
                        int shift = Offset(y, t + 1) - Offset(y, t);
                        uint carried = shift > 0 ? (cand << 1) & Full : shift < 0 ? cand >> 1 : cand;
                        m = carried & Mask(y, t + 1);
                        break;
                    }
                    case Road:
                    {
                        int shift = Offset(y, t + 1) - Offset(y, t);
                        uint carsNow = Mask(y, t);
                        if (shift < 0) right &= ~carsNow;
                        else if (shift > 0) left &= ~carsNow;
                        m = (r | left | right | vertical) & ~Mask(y, t + 1) & Full;
                        break;
                    }
                    default:
                        m = r | left | right | vertical;
                        break;
                }
                next[y] = (ushort)m;
                any |= m != 0;
            }
            if (!any) return -1;
        }
        return -1;
    }

    /// <summary>Fills the plan from (x0, y0) at step t0 by walking the reachability masks back from the finish.</summary>
    private bool Plan(int x0, int y0, int t0)
    {
        _plan.Clear();
        int end = Search(x0, y0, t0);
        if (end < 0) return false;
        uint last = _reach[(end - 1) * Size + FinishRow + 1];
        int tx = X0 + System.Numerics.BitOperations.TrailingZeroCount(last), ty = FinishRow + 1;
        _plan.Add(5); // up into the finish row
        ReadOnlySpan<int> moves = [NoOp, 1, 7, 5, 3];
        for (int t = end - 2; t >= t0; t--)
        {
            bool found = false;
            for (int y = ty - 1; y <= ty + 1 && !found; y++)
            {
                if (y <= FinishRow || y > StartRow) continue;
                uint r = _reach[t * Size + y];
                for (int x = tx - 2; x <= tx + 2 && !found; x++)
                {
                    if (x < X0 || x >= X0 + WorldSize || (r >> (x - X0) & 1) == 0) continue;
                    foreach (int a in moves)
                    {
                        var (nx, ny, dead, won) = Transition(x, y, t, a);
                        if (dead || won || nx != tx || ny != ty) continue;
                        _plan.Add(a);
                        tx = x;
                        ty = y;
                        found = true;
                        break;
                    }
                }
            }
            if (!found) throw new InvalidOperationException("Leaper reachability and step rules disagree");
        }
        _plan.Reverse();
        return true;
    }

    public override void WriteObservation(Span<float> o)
    {
        int t = StepCount;
        for (int y = 0; y < Size; y++)
        {
            byte kind = RowKind[y];
            int row = y * Size;
            if (kind == Wall)
            {
                for (int x = 0; x < Size; x++) o[(row + x) * C] = 1;
                continue;
            }
            for (int x = 0; x < X0; x++) o[(row + x) * C] = 1;
            for (int x = X0 + WorldSize; x < Size; x++) o[(row + x) * C] = 1;
            switch (kind)
            {
                case Finish:
                    for (int x = X0; x < X0 + WorldSize; x++) o[(row + x) * C + 5] = 1;
                    break;
                case Road:
                case River:
                {
                    uint m = Mask(y, t);
                    int empty = kind == Road ? -1 : 4, full = kind == Road ? 2 : 3;
                    for (int i = 0; i < WorldSize; i++)
                    {
                        int ch = (m >> i & 1) != 0 ? full : empty;
                        if (ch >= 0) o[(row + X0 + i) * C + ch] = 1;
                    }
                    break;
                }
            }
        }
        o[Idx(AgentX, AgentY) * C + 1] = 1;
    }

    internal override ulong LayoutHash()
    {
        ulong h = Fnv(0xCBF29CE484222325UL, (ulong)StartX);
        for (int y = 0; y < Size; y++)
        {
            h = Fnv(h, RowKind[y]);
            if (RowKind[y] is not (Road or River)) continue;
            h = Fnv(h, (ulong)(RowDir[y] + 2));
            h = Fnv(h, (ulong)BitConverter.DoubleToInt64Bits(RowSpeed[y]));
            h = Fnv(h, (ulong)BitConverter.DoubleToInt64Bits(RowPhase[y]));
            h = Fnv(Fnv(h, (ulong)(Pattern[y] >> 64)), (ulong)Pattern[y]);
        }
        return h;
    }

    /// <summary>Follows the shortest plan, re-planning from the current state if the episode has left it.</summary>
    internal override int SolverAction()
    {
        int k = StepCount - _planStart;
        bool onPlan = _planSeed == LevelSeed && k >= 0 && k < _plan.Count && _planX[k] == AgentX && _planY[k] == AgentY;
        if (!onPlan)
        {
            if (!Plan(AgentX, AgentY, StepCount)) return NoOp;
            _planSeed = LevelSeed;
            _planStart = StepCount;
            TracePlan(StepCount);
            k = 0;
        }
        return _plan[k];
    }

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
