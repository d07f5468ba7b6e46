using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Maze: a perfect maze (randomised Kruskal) of 4..7 × 4..7 cells, i.e. 9..15 grid cells wide and high, centred in
/// the 15×15 grid. The mouse starts in the bottom-left cell; the cheese is in a uniformly chosen other cell.
/// Reaching the cheese gives +10 and ends the episode; otherwise the episode ends after 500 steps.
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class MazeGame : ProcGenGame
{
    private const int C = 3;
    internal readonly byte[] Grid = new byte[Cells];
    internal int AgentX, AgentY, GoalX, GoalY;
    private readonly Func<int, int, bool> _open;
    private readonly int[] _dist = new int[Cells];

    public MazeGame(EnvironmentOptions options) : base(options) => _open = (x, y) => Grid[Idx(x, y)] == 0;

    internal override int TimeLimit => 500;

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 1);
        int cw = rng.NextInclusive(4, 7), ch = rng.NextInclusive(4, 7);
        int ox = (Size - (2 * cw + 1)) / 2, oy = (Size - (2 * ch + 1)) / 2;
        KruskalMaze(ref rng, cw, ch, ox, oy, Grid);
        AgentX = ox + 1;
        AgentY = oy + 2 * (ch - 1) + 1;
        int start = (ch - 1) * cw, goal = rng.Next(cw * ch - 1);
        if (goal >= start) goal++;
        GoalX = ox + 2 * (goal % cw) + 1;
        GoalY = oy + 2 * (goal / cw) + 1;
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        int dx = ActionDx[action], dy = ActionDy[action];
        if ((dx != 0 || dy != 0) && CanMove(AgentX, AgentY, dx, dy, _open))
        {
            AgentX += dx;
            AgentY += dy;
        }
        if (AgentX == GoalX && AgentY == GoalY)
        {
            terminal = true;
            return 10;
        }
        return 0;
    }

    public override void WriteObservation(Span<float> o)
    {
        for (int i = 0; i < Cells; i++) if (Grid[i] == 1) o[i * C] = 1;
        o[Idx(AgentX, AgentY) * C + 1] = 1;
        o[Idx(GoalX, GoalY) * C + 2] = 1;
    }

    internal override ulong LayoutHash() =>
        Fnv(Fnv(HashCells(Grid), (ulong)Idx(AgentX, AgentY)), (ulong)Idx(GoalX, GoalY));

    internal override int SolverAction()
    {
        ReadOnlySpan<int> goal = [Idx(GoalX, GoalY)];
        Distances(goal, _open, _dist);
        return Descend(AgentX, AgentY, _dist, _open);
    }

    /// <summary>The first move action that lowers the distance the most (no-op if none does).</summary>
    internal static int Descend(int x, int y, int[] dist, Func<int, int, bool> enterable)
    {
        int best = NoOp, bestD = dist[Idx(x, y)];
        if (bestD < 0) return NoOp;
        for (int a = 0; a < 9; a++)
        {
            int dx = ActionDx[a], dy = ActionDy[a];
            if ((dx == 0 && dy == 0) || !CanMove(x, y, dx, dy, enterable)) continue;
            int d = dist[Idx(x + dx, y + dy)];
            if (d >= 0 && d < bestD) { best = a; bestD = d; }
        }
        return best;
    }

    private static readonly byte[] Colors = [70, 70, 160, 255, 255, 255, 255, 210, 40];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    public override (byte R, byte G, byte B) Background => (20, 20, 20);
}
