using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Chaser (Pac-Man): a 7 × 7-cell maze filling the 15×15 grid, built by randomised Kruskal and then braided (every
/// dead end gets one more opening) so that it has loops. Every open cell holds an orb except the start (bottom
/// middle) and the three enemies' starts; the four corner cells hold power orbs. Each orb eaten gives +0.04 (power
/// orbs too); eating the last one gives +10 and ends the episode. A power orb makes the enemies vulnerable for 30
/// steps: touching a vulnerable enemy sends it back to its start; touching any other enemy (in the same cell, or
/// swapping cells) ends the episode. Enemies move every second step, never reversing unless at a dead end; with
/// probability 1/2 toward the agent (away when vulnerable), otherwise at random. Time limit 1000 steps.
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class ChaserGame : ProcGenGame
{
    private const int C = 6;
    internal const byte Empty = 0, Wall = 1, Orb = 2, PowerOrb = 3;
    internal const int EnemyCount = 3, PowerSteps = 30;
    internal const float OrbReward = 0.04f;

    internal readonly byte[] Grid = new byte[Cells];
    internal int AgentX, AgentY, OrbsLeft, PowerTimer;
    internal bool Dead;
    internal readonly int[] EnemyX = new int[EnemyCount], EnemyY = new int[EnemyCount], EnemyDir = new int[EnemyCount];
    internal readonly int[] EnemyStartX = new int[EnemyCount], EnemyStartY = new int[EnemyCount];
    private readonly Func<int, int, bool> _open;
    private readonly int[] _dist = new int[Cells];
    private ChaserGame? _a, _b;

    private static ReadOnlySpan<int> Dx4 => [1, 0, -1, 0];
    private static ReadOnlySpan<int> Dy4 => [0, 1, 0, -1];

    public ChaserGame(EnvironmentOptions options) : base(options) => _open = (x, y) => Grid[Idx(x, y)] != Wall;

    internal override int TimeLimit => 1000;

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 4);
        KruskalMaze(ref rng, 7, 7, 0, 0, Grid);
        Span<int> walls = stackalloc int[4];
        // Braid: open one more wall around every dead-end cell.
        for (int j = 0; j < 7; j++)
            for (int i = 0; i < 7; i++)
            {
                int x = 2 * i + 1, y = 2 * j + 1, open = 0;
                for (int d = 0; d < 4; d++) if (Grid[Idx(x + Dx4[d], y + Dy4[d])] != Wall) open++;
                if (open != 1) continue;
                int n = 0;
                for (int d = 0; d < 4; d++)
                {
                    int wx = x + Dx4[d], wy = y + Dy4[d];
                    if (Grid[Idx(wx, wy)] == Wall && wx > 0 && wx < Size - 1 && wy > 0 && wy < Size - 1) walls[n++] = d;
                }
                int pick = walls[rng.Next(n)];
                Grid[Idx(x + Dx4[pick], y + Dy4[pick])] = Empty;
            }
        OrbsLeft = 0;
        for (int i = 0; i < Cells; i++)
            if (Grid[i] == Empty) { Grid[i] = Orb; OrbsLeft++; }
        foreach (int c in (ReadOnlySpan<int>)[Idx(1, 1), Idx(13, 1), Idx(1, 13), Idx(13, 13)])
            Grid[c] = PowerOrb;
        AgentX = 7;
        AgentY = 13;
        Take(Idx(AgentX, AgentY));
        // Enemies start in distinct maze cells of the top half.
        for (int e = 0; e < EnemyCount; e++)
        {
            int x, y;
            bool clash;
            do
            {
                x = 2 * rng.Next(7) + 1;
                y = 2 * rng.Next(3) + 1;
                clash = false;
                for (int k = 0; k < e; k++) clash |= EnemyStartX[k] == x && EnemyStartY[k] == y;
            } while (clash || Grid[Idx(x, y)] == PowerOrb);
            EnemyStartX[e] = EnemyX[e] = x;
            EnemyStartY[e] = EnemyY[e] = y;
            EnemyDir[e] = -1;
            Take(Idx(x, y));
        }
        PowerTimer = 0;
        Dead = false;
    }

    private void Take(int c)
    {
        if (Grid[c] is Orb or PowerOrb) { Grid[c] = Empty; OrbsLeft--; }
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        float reward = 0;
        int oldX = AgentX, oldY = AgentY;
        int dx = ActionDx[action], dy = ActionDy[action];
        if ((dx != 0 || dy != 0) && CanMove(AgentX, AgentY, dx, dy, _open))
        {
            AgentX += dx;
            AgentY += dy;
        }
        int c = Idx(AgentX, AgentY);
        if (Grid[c] == PowerOrb) PowerTimer = PowerSteps + 1;
        if (Grid[c] is Orb or PowerOrb)
        {
            Take(c);
            reward += OrbReward;
            if (OrbsLeft == 0)
            {
                terminal = true;
                return reward + 10;
            }
        }
        if (PowerTimer > 0) PowerTimer--;
        Collide(-1, -1, -1, -1);
        if (StepCount % 2 == 0)
        {
            for (int e = 0; e < EnemyCount; e++)
            {
                int ex = EnemyX[e], ey = EnemyY[e];
                MoveEnemy(e);
                Collide(e, ex, ey, oldX, oldY);
            }
        }
        terminal = Dead;
        return reward;
    }

    private void Collide(int moved, int fromX, int fromY, int agentFromX, int agentFromY = -1)
    {
        for (int e = 0; e < EnemyCount; e++)
        {
            bool same = EnemyX[e] == AgentX && EnemyY[e] == AgentY;
            bool swapped = e == moved && fromX == AgentX && fromY == AgentY && EnemyX[e] == agentFromX && EnemyY[e] == agentFromY;
            if (!same && !swapped) continue;
            if (PowerTimer > 0)
            {
                EnemyX[e] = EnemyStartX[e];
                EnemyY[e] = EnemyStartY[e];
                EnemyDir[e] = -1;
            }
            else Dead = true;
        }
    }

    private void MoveEnemy(int e)
    {
        int x = EnemyX[e], y = EnemyY[e];
        Span<int> options = stackalloc int[4];
        int n = 0;
        for (int d = 0; d < 4; d++)
        {
            if (EnemyDir[e] >= 0 && d == (EnemyDir[e] + 2) % 4) continue;
            if (Grid[Idx(x + Dx4[d], y + Dy4[d])] != Wall) options[n++] = d;
        }
        if (n == 0) options[n++] = (EnemyDir[e] + 2) % 4;
        int pick;
        if (Rng.Next(2) == 0)
        {
            pick = options[0];
            int bestD = int.MaxValue;
            for (int k = 0; k < n; k++)
            {
                int d = options[k];
                int dist = Math.Abs(x + Dx4[d] - AgentX) + Math.Abs(y + Dy4[d] - AgentY);
                if (PowerTimer > 0) dist = -dist;
                if (dist < bestD) { bestD = dist; pick = d; }
            }
        }
        else pick = options[Rng.Next(n)];
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
        int enemyChannel = PowerTimer > 0 ? 5 : 4;
        for (int e = 0; e < EnemyCount; e++) o[Idx(EnemyX[e], EnemyY[e]) * C + enemyChannel] = 1;
    }

    internal override ulong LayoutHash()
    {
        ulong h = HashCells(Grid);
        for (int e = 0; e < EnemyCount; e++) h = Fnv(h, (ulong)Idx(EnemyStartX[e], EnemyStartY[e]));
        return h;
    }

    private void CopyFrom(ChaserGame g)
    {
        g.Grid.CopyTo(Grid, 0);
        AgentX = g.AgentX; AgentY = g.AgentY; OrbsLeft = g.OrbsLeft; PowerTimer = g.PowerTimer; Dead = g.Dead;
        StepCount = g.StepCount;
        Rng = g.Rng;
        g.EnemyX.CopyTo(EnemyX, 0); g.EnemyY.CopyTo(EnemyY, 0); g.EnemyDir.CopyTo(EnemyDir, 0);
        g.EnemyStartX.CopyTo(EnemyStartX, 0); g.EnemyStartY.CopyTo(EnemyStartY, 0);
    }

    /// <summary>
    /// Search-based solver: simulates each move (with the environment's own random stream, i.e. a perfect model) two
    /// steps deep, discards moves after which every follow-up dies, and prefers eating, then the nearest orb.
    /// </summary>
    internal override int SolverAction()
    {
        _a ??= new ChaserGame(EnvironmentOptions.Default);
        _b ??= new ChaserGame(EnvironmentOptions.Default);
        Span<int> targets = stackalloc int[Cells];
        int n = 0;
        for (int i = 0; i < Cells; i++) if (Grid[i] is Orb or PowerOrb) targets[n++] = i;
        Distances(targets[..n], _open, _dist);
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

    private static readonly byte[] Colors = [40, 40, 200, 255, 230, 0, 230, 230, 230, 255, 140, 200, 230, 40, 40, 80, 120, 255];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
}
