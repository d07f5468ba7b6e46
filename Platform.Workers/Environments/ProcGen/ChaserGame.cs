using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Chaser (Pac-Man), ProcGen easy mode on a grid. The level is an 11 × 11 maze (6 × 6 cells with the walls between them,
/// no outer wall, as ProcGen's easy maze) drawn at (2, 2)..(12, 12) of the 15×15 grid and padded with walls: randomised
/// Kruskal, then every dead end gets one more opening, so every open cell has at least two open neighbours. Each
/// quadrant (the maze split at its middle, the middle row and column counting as the top/left halves as in ProcGen)
/// holds one power orb at a random open cell; the agent's start and the three enemy eggs take distinct random open cells
/// among the rest; every other open cell and the agent's start hold an orb. Each orb or power orb eaten gives +0.04;
/// eating the last (small) orb gives +10 and ends the episode (power orbs need not be eaten). A power orb makes the
/// enemies vulnerable for 75 steps (the eating step and 74 more): touching a vulnerable enemy eats it (no reward), and a
/// new egg appears at a random open cell (one per step while fewer than three eggs and enemies are left); touching any
/// other enemy (same cell, or swapping cells) ends the episode. Eggs are harmless and hatch into an enemy 50 steps after
/// they appear. Time limit 1000 steps.
/// <para>Speeds: in ProcGen the agent and the enemies move half a cell per step, a vulnerable enemy a quarter. On the
/// grid "same speed" is one cell per step for both, and a vulnerable enemy moves on even steps only (half speed). Step
/// counts (75 power steps, 50-step eggs, 1000-step limit) are kept as ProcGen's, not rescaled.</para>
/// <para>Agent movement follows ProcGen's Chaser: the agent keeps its velocity (a no-op or a special key keeps it going)
/// until a wall blocks it; an action sets the velocity components it names; the axis the action names is tried first
/// (the vertical one for a diagonal); once the agent moves along one axis the other component is dropped (in ProcGen a
/// half-cell offset blocks it), and a blocked component is dropped. So a diagonal moves one cell, vertically if it can,
/// else horizontally, and never jumps a corner.</para>
/// <para>Enemies: at every move an enemy picks among its open neighbours except the cell it came from; with probability
/// 1/2 (one draw per step shared by all enemies, as ProcGen's per-step random number is) only among those nearest to
/// the agent's position at the start of the step in Manhattan distance (farthest when vulnerable). All in-episode
/// randomness comes from <see cref="ProcGenGame.EpisodeRng"/>.</para>
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class ChaserGame : ProcGenGame
{
    private const int C = 7;
    internal const byte Empty = 0, Wall = 1, Orb = 2, PowerOrb = 3;
    internal const int EnemyCount = 3, PowerSteps = 75, EggSteps = 50;
    internal const byte SlotEmpty = 0, SlotEgg = 1, SlotEnemy = 2;
    internal const float OrbReward = 0.04f, CompletionBonus = 10f;
    /// <summary>The maze occupies grid cells Lo..Hi on both axes; its cells (junctions) are at even coordinates.</summary>
    internal const int Lo = 2, Hi = 12, Mid = 8;

    internal readonly byte[] Grid = new byte[Cells];
    internal int AgentX, AgentY, VelX, VelY, OrbsLeft, PowerTimer;
    internal bool Dead;
    /// <summary>Per enemy slot: empty (eaten, waiting for a new egg), an egg (with <see cref="EggTimer"/>), or an enemy.</summary>
    internal readonly byte[] Slot = new byte[EnemyCount];
    internal readonly int[] EnemyX = new int[EnemyCount], EnemyY = new int[EnemyCount], EnemyDir = new int[EnemyCount];
    internal readonly int[] EggTimer = new int[EnemyCount];
    private readonly int[] _open = new int[Cells];
    private int _openCount;
    private ulong _layoutHash;
    private readonly Func<int, int, bool> _enterable;
    private readonly int[] _dist = new int[Cells];
    private ChaserGame? _a, _b;

    private static ReadOnlySpan<int> Dx4 => [1, 0, -1, 0];
    private static ReadOnlySpan<int> Dy4 => [0, 1, 0, -1];

    public ChaserGame(EnvironmentOptions options) : base(options) => _enterable = (x, y) => Grid[Idx(x, y)] != Wall;

    internal override int TimeLimit => 1000;

    internal bool Vulnerable => PowerTimer > 0;

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 4);
        KruskalMaze(ref rng, 6, 6, Lo - 1, Lo - 1, Grid);
        Span<int> walls = stackalloc int[4];
        // No dead ends: in row-major order, a cell with one open neighbour gets one more opening (inside the maze).
        for (int y = Lo; y <= Hi; y++)
            for (int x = Lo; x <= Hi; x++)
            {
                if (Grid[Idx(x, y)] == Wall) continue;
                int open = 0, n = 0;
                for (int d = 0; d < 4; d++)
                {
                    int wx = x + Dx4[d], wy = y + Dy4[d];
                    if (Grid[Idx(wx, wy)] != Wall) open++;
                    else if (wx >= Lo && wx <= Hi && wy >= Lo && wy <= Hi) walls[n++] = d;
                }
                if (open != 1 || n == 0) continue;
                int pick = walls[rng.Next(n)];
                Grid[Idx(x + Dx4[pick], y + Dy4[pick])] = Empty;
            }
        RecomputeOpenCells();

        // One power orb per quadrant, at a uniformly chosen open cell of it.
        Span<int> quad = stackalloc int[Cells];
        for (int q = 0; q < 4; q++)
        {
            int n = 0;
            for (int k = 0; k < _openCount; k++)
            {
                int c = _open[k];
                if (((c % Size >= Mid ? 1 : 0) | (c / Size >= Mid ? 2 : 0)) == q) quad[n++] = c;
            }
            Grid[quad[rng.Next(n)]] = PowerOrb;
        }
        // Agent start and egg cells: distinct, uniformly among the open cells without a power orb.
        int free = 0;
        for (int k = 0; k < _openCount; k++) if (Grid[_open[k]] == Empty) quad[free++] = _open[k];
        ulong h = 0;
        for (int e = -1; e < EnemyCount; e++)
        {
            int j = rng.Next(free);
            int c = quad[j];
            quad[j] = quad[--free];
            if (e < 0) { AgentX = c % Size; AgentY = c / Size; }
            else
            {
                Slot[e] = SlotEgg;
                EggTimer[e] = EggSteps;
                EnemyX[e] = c % Size; EnemyY[e] = c / Size; EnemyDir[e] = -1;
                Grid[c] = Wall + 100; // marker: no orb under an egg
            }
            h = Fnv(h, (ulong)c);
        }
        OrbsLeft = 0;
        for (int k = 0; k < _openCount; k++)
        {
            int c = _open[k];
            if (Grid[c] == Empty) { Grid[c] = Orb; OrbsLeft++; }
            else if (Grid[c] == Wall + 100) Grid[c] = Empty;
        }
        _layoutHash = Fnv(HashCells(Grid), h);
        VelX = VelY = 0;
        PowerTimer = 0;
        Dead = false;
    }

    internal override float Act(int action, out bool terminal)
    {
        // One random number per step, shared by every decision of the step (as ProcGen's step_rand_int).
        int r = EpisodeRng.Next(1 << 30);
        float reward = 0;
        int oldX = AgentX, oldY = AgentY;
        MoveAgent(ActionDx[action], ActionDy[action], r);
        int c = Idx(AgentX, AgentY);
        if (Grid[c] == PowerOrb)
        {
            Grid[c] = Empty;
            reward += OrbReward;
            PowerTimer = PowerSteps;
        }
        bool vulnerable = Vulnerable;
        // Vulnerable enemies move at half speed: on even steps only.
        bool enemiesMove = !vulnerable || (StepCount & 1) == 0;
        if (enemiesMove)
            for (int e = 0; e < EnemyCount; e++)
                if (Slot[e] == SlotEnemy) MoveEnemy(e, oldX, oldY, vulnerable, r);
        for (int e = 0; e < EnemyCount; e++)
            if (Slot[e] == SlotEgg && --EggTimer[e] == 0) { Slot[e] = SlotEnemy; EnemyDir[e] = -1; }
        Collide(oldX, oldY, vulnerable, enemiesMove);
        for (int e = 0; e < EnemyCount; e++)
        {
            if (Slot[e] != SlotEmpty) continue;
            int cell = _open[r % _openCount];
            Slot[e] = SlotEgg;
            EggTimer[e] = EggSteps;
            EnemyX[e] = cell % Size; EnemyY[e] = cell / Size; EnemyDir[e] = -1;
            break; // at most one new egg per step
        }
        if (Grid[c] == Orb)
        {
            Grid[c] = Empty;
            reward += OrbReward;
            if (--OrbsLeft == 0) reward += CompletionBonus;
        }
        if (PowerTimer > 0) PowerTimer--;
        terminal = Dead || OrbsLeft == 0;
        return reward;
    }

    private void MoveAgent(int ax, int ay, int r)
    {
        if (ax != 0) VelX = ax;
        if (ay != 0) VelY = ay;
        bool yFirst = ay != 0 || (ax == 0 && (VelX == 0 || (VelY != 0 && (r & 1) == 0)));
        if (yFirst)
        {
            if (TryMove(0, VelY)) VelX = 0;
            else { VelY = 0; if (!TryMove(VelX, 0)) VelX = 0; }
        }
        else
        {
            if (TryMove(VelX, 0)) VelY = 0;
            else { VelX = 0; if (!TryMove(0, VelY)) VelY = 0; }
        }
    }

    private bool TryMove(int dx, int dy)
    {
        if (dx == 0 && dy == 0) return false;
        if (Grid[Idx(AgentX + dx, AgentY + dy)] == Wall) return false;
        AgentX += dx;
        AgentY += dy;
        return true;
    }

    /// <summary>Agent meets enemy: in the same cell, or the two swapped cells this step (they passed each other).</summary>
    private void Collide(int agentFromX, int agentFromY, bool vulnerable, bool enemiesMoved)
    {
        for (int e = 0; e < EnemyCount; e++)
        {
            if (Slot[e] != SlotEnemy) continue;
            bool same = EnemyX[e] == AgentX && EnemyY[e] == AgentY;
            int d = EnemyDir[e];
            bool swapped = enemiesMoved && d >= 0 && EnemyX[e] == agentFromX && EnemyY[e] == agentFromY
                && EnemyX[e] - Dx4[d] == AgentX && EnemyY[e] - Dy4[d] == AgentY;
            if (!same && !swapped) continue;
            if (vulnerable) Slot[e] = SlotEmpty;
            else Dead = true;
        }
    }

    private void MoveEnemy(int e, int agentX, int agentY, bool vulnerable, int r)
    {
        int x = EnemyX[e], y = EnemyY[e], back = EnemyDir[e] >= 0 ? (EnemyDir[e] + 2) & 3 : -1;
        Span<int> options = stackalloc int[4];
        int n = 0, best = int.MaxValue;
        bool aggressive = (r & 2) == 0;
        for (int d = 0; d < 4; d++)
        {
            if (d == back || Grid[Idx(x + Dx4[d], y + Dy4[d])] == Wall) continue;
            if (aggressive)
            {
                int dist = Math.Abs(x + Dx4[d] - agentX) + Math.Abs(y + Dy4[d] - agentY);
                if (vulnerable) dist = -dist;
                if (dist > best) continue;
                if (dist < best) { best = dist; n = 0; }
            }
            options[n++] = d;
        }
        if (n == 0) options[n++] = back; // cannot happen: every open cell has two open neighbours
        int pick = options[(r >> 2) % n];
        EnemyX[e] = x + Dx4[pick];
        EnemyY[e] = y + Dy4[pick];
        EnemyDir[e] = pick;
    }

    public override void WriteObservation(Span<float> o)
    {
        var grid = Grid;
        for (int i = 0; i < Cells; i++)
        {
            byte cell = grid[i];
            if (cell == Wall) o[i * C] = 1;
            else if (cell == Orb) o[i * C + 2] = 1;
            else if (cell == PowerOrb) o[i * C + 3] = 1;
        }
        o[Idx(AgentX, AgentY) * C + 1] = 1;
        int enemyChannel = Vulnerable ? 5 : 4;
        for (int e = 0; e < EnemyCount; e++)
        {
            if (Slot[e] == SlotEnemy) o[Idx(EnemyX[e], EnemyY[e]) * C + enemyChannel] = 1;
            else if (Slot[e] == SlotEgg) o[Idx(EnemyX[e], EnemyY[e]) * C + 6] = 1;
        }
    }

    /// <summary>Lists the open cells (where new eggs may appear); tests call it after building a grid by hand.</summary>
    internal void RecomputeOpenCells()
    {
        _openCount = 0;
        for (int i = 0; i < Cells; i++) if (Grid[i] != Wall) _open[_openCount++] = i;
    }

    internal override ulong LayoutHash() => _layoutHash;

    private void CopyFrom(ChaserGame g)
    {
        g.Grid.CopyTo(Grid, 0);
        if (_openCount != g._openCount || LevelSeed != g.LevelSeed) { g._open.CopyTo(_open, 0); _openCount = g._openCount; }
        LevelSeed = g.LevelSeed;
        AgentX = g.AgentX; AgentY = g.AgentY; VelX = g.VelX; VelY = g.VelY;
        OrbsLeft = g.OrbsLeft; PowerTimer = g.PowerTimer; Dead = g.Dead;
        StepCount = g.StepCount;
        EpisodeRng = g.EpisodeRng;
        g.Slot.CopyTo(Slot, 0); g.EggTimer.CopyTo(EggTimer, 0);
        g.EnemyX.CopyTo(EnemyX, 0); g.EnemyY.CopyTo(EnemyY, 0); g.EnemyDir.CopyTo(EnemyDir, 0);
    }

    /// <summary>
    /// Search-based solver: simulates each move (with the episode's own random stream, i.e. a perfect model) two steps
    /// deep, discards moves after which every follow-up dies, and prefers eating, then the nearest orb.
    /// </summary>
    internal override int SolverAction()
    {
        _a ??= new ChaserGame(EnvironmentOptions.Default);
        _b ??= new ChaserGame(EnvironmentOptions.Default);
        Span<int> targets = stackalloc int[Cells];
        int n = 0;
        for (int i = 0; i < Cells; i++) if (Grid[i] == Orb) targets[n++] = i;
        Distances(targets[..n], _enterable, _dist, orthogonal: true);
        int best = NoOp;
        double bestScore = double.NegativeInfinity;
        for (int a = 0; a < 9; a++)
        {
            _a.CopyFrom(this);
            _a.StepCount++;
            float r = _a.Act(a, out bool done);
            if (_a.Dead) continue;
            double score;
            if (done) score = 1e9;
            else
            {
                int safe = 0;
                for (int b = 0; b < 9; b++)
                {
                    _b.CopyFrom(_a);
                    _b.StepCount++;
                    _b.Act(b, out _);
                    if (!_b.Dead) safe++;
                }
                if (safe == 0) continue;
                int d = _dist[Idx(_a.AgentX, _a.AgentY)];
                score = r * 1000 - d + safe * 0.1;
            }
            if (score > bestScore) { bestScore = score; best = a; }
        }
        return best;
    }

    private static readonly byte[] Colors = [40, 40, 200, 255, 230, 0, 230, 230, 230, 255, 140, 200, 230, 40, 40, 80, 120, 255, 150, 90, 40];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
}
