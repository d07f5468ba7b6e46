using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Maze, as ProcGen's easy mode: a square perfect maze (randomised Kruskal, i.e. walls removed in uniformly random
/// order) of <see cref="MazeDim"/> ∈ {3, 5, …, 15} grid cells wide and high (uniform; 2..8 rooms a side, rooms on
/// the even offsets, no wall of its own at the edge), centred in the 15×15 grid (ProcGen's easy world is 15×15 too,
/// so the mapping is exact: the cells around a smaller maze are walls, and the edge of the grid acts as the wall
/// around the largest one, as ProcGen's out-of-bounds walls do). The mouse starts in the maze's bottom-left cell; the
/// cheese is on a uniformly chosen open cell other than the start (a room or a corridor cell between two rooms).
/// Moves are grid steps of one cell; a diagonal action moves horizontally only (ProcGen drops the vertical part of a
/// diagonal action in Maze). Reaching the cheese gives +10 and ends the episode; otherwise the episode ends after
/// 500 steps. Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class MazeGame : ProcGenGame
{
    private const int C = 3;
    internal readonly byte[] Grid = new byte[Cells];
    internal int AgentX, AgentY, GoalX, GoalY, MazeDim;
    private readonly int[] _dist = new int[Cells];
    private readonly Func<int, int, bool> _open;

    public MazeGame(EnvironmentOptions options) : base(options) => _open = (x, y) => Grid[Idx(x, y)] == 0;

    internal override int TimeLimit => 500;

    protected override void Generate(ulong levelSeed)
    {
        var rng = Rng.Create(levelSeed, 1);
        MazeDim = 2 * rng.Next(7) + 3;
        int rooms = (MazeDim + 1) / 2, margin = (Size - MazeDim) / 2;
        // KruskalMaze puts room (i, j) at (ox + 2i + 1, oy + 2j + 1): ox = margin − 1 puts the first room on the margin.
        KruskalMaze(ref rng, rooms, rooms, margin - 1, margin - 1, Grid);
        AgentX = margin;
        AgentY = margin + MazeDim - 1; // row 0 is the top of our grid, so ProcGen's (0, 0) corner is our bottom-left
        int start = Idx(AgentX, AgentY);
        int open = 0;
        for (int i = 0; i < Cells; i++) if (Grid[i] == 0) open++;
        int pick = rng.Next(open - 1); // the pick-th open cell, skipping the start
        for (int i = 0; i < Cells; i++)
        {
            if (Grid[i] != 0 || i == start) continue;
            if (pick-- == 0) { GoalX = i % Size; GoalY = i / Size; break; }
        }
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        int dx = ActionDx[action], dy = dx != 0 ? 0 : ActionDy[action];
        int nx = AgentX + dx, ny = AgentY + dy;
        if (InGrid(nx, ny) && Grid[Idx(nx, ny)] == 0)
        {
            AgentX = nx;
            AgentY = ny;
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

    /// <summary>The orthogonal move (left, down, up, right: actions 1, 3, 5, 7) that lowers the distance to the cheese.</summary>
    internal override int SolverAction()
    {
        ReadOnlySpan<int> goal = [Idx(GoalX, GoalY)];
        Distances(goal, _open, _dist, orthogonal: true);
        int best = NoOp, bestD = _dist[Idx(AgentX, AgentY)];
        if (bestD < 0) return NoOp;
        foreach (int a in (ReadOnlySpan<int>)[1, 3, 5, 7])
        {
            int nx = AgentX + ActionDx[a], ny = AgentY + ActionDy[a];
            if (!InGrid(nx, ny)) continue;
            int d = _dist[Idx(nx, ny)];
            if (d >= 0 && d < bestD) { best = a; bestD = d; }
        }
        return best;
    }

    private static readonly byte[] Colors = [70, 70, 160, 255, 255, 255, 255, 210, 40];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    public override (byte R, byte G, byte B) Background => (20, 20, 20);
}
