using Platform.Data.Environments;

namespace Platform.Workers.Environments.ProcGen;

/// <summary>
/// Level seeds. Training level i (0 ≤ i &lt; N, ProcGen easy uses N = 200) has seed Mix(i + Domain); test levels use
/// indices from 2^32 upward, which training never reaches. Mix (splitmix64's finaliser) is a bijection, so distinct
/// indices always give distinct level seeds.
/// </summary>
public static class LevelSeeds
{
    public const int MaxTrainLevels = Platform.Data.Runs.TrainOptions.MaxTrainLevels;
    public const ulong TestIndexStart = 1UL << 32;
    private const ulong Domain = 0x70726F6367656E00UL; // "procgen\0"

    public static ulong Train(int index) => SplitMix64.Mix((ulong)index + Domain);

    public static ulong Test(ulong offset) => SplitMix64.Mix(TestIndexStart + offset + Domain);

    /// <summary>The level seed of a new episode: a uniform training level, or a fresh test level.</summary>
    public static ulong Sample(ref Rng rng, int trainLevels, bool test) =>
        test ? Test(rng.NextUInt64() >> 2) : Train(rng.Next(trainLevels));
}

/// <summary>
/// Common part of the ProcGen-style games: a 15×15 symbolic grid (levels smaller than that are padded with walls),
/// one observation channel per object type, a new level at every reset, and ProcGen's 15-action space:
/// 0 left-down, 1 left, 2 left-up, 3 down, 4 no-op, 5 up, 6 right-down, 7 right, 8 right-up, 9..14 the special keys
/// d, a, w, s, q, e. None of Maze, Miner, Heist, Chaser, Leaper uses a special key (as in ProcGen): they act as no-op.
/// A diagonal move needs the target cell and at least one of the two cells beside the diagonal to be enterable.
/// Each level is a deterministic function of its level seed (<see cref="LoadLevel"/>).
/// </summary>
internal abstract class ProcGenGame(EnvironmentOptions options) : Game
{
    public const int Size = EnvironmentCatalog.ProcGenGridSize, Cells = Size * Size, NoOp = 4;
    /// <summary>The level seed's stream for in-episode randomness (games generate their levels from streams 1..5).</summary>
    private const ulong EpisodeStream = 64;

    // Indexed by action, in the order of EnvironmentCatalog.ProcGenActionNames.
    internal static ReadOnlySpan<int> ActionDx => [-1, -1, -1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0];
    internal static ReadOnlySpan<int> ActionDy => [1, 0, -1, 1, 0, -1, 1, 0, -1, 0, 0, 0, 0, 0, 0];

    private readonly int _trainLevels = options.TrainLevels;
    private readonly bool _useTest = options.UseTestLevels;

    internal ulong LevelSeed;
    internal int StepCount;
    /// <summary>
    /// In-episode randomness (enemy moves and the like), derived from the level seed as ProcGen's is, so a level replays
    /// identically; the instance's <see cref="Game.Rng"/> only picks which level comes next.
    /// </summary>
    internal Rng EpisodeRng;

    /// <summary>Steps after which the episode ends with no further reward.</summary>
    internal abstract int TimeLimit { get; }

    public override void Reset()
    {
        LevelSeed = LevelSeeds.Sample(ref Rng, _trainLevels, _useTest);
        LoadLevel(LevelSeed);
    }

    /// <summary>Generates the level of <paramref name="levelSeed"/> and starts an episode on it.</summary>
    internal void LoadLevel(ulong levelSeed)
    {
        LevelSeed = levelSeed;
        StepCount = 0;
        EpisodeRng = Rng.Create(levelSeed, EpisodeStream);
        Generate(levelSeed);
    }

    protected abstract void Generate(ulong levelSeed);

    public sealed override float Step(int action, out bool terminal)
    {
        StepCount++;
        float reward = Act(action, out terminal);
        if (StepCount >= TimeLimit) terminal = true;
        return reward;
    }

    internal abstract float Act(int action, out bool terminal);

    /// <summary>Hash of the level as generated (layout and start positions), for the train/test split tests.</summary>
    internal abstract ulong LayoutHash();

    /// <summary>The solver's action in the current state (used to prove solvability and to measure the best return).</summary>
    internal abstract int SolverAction();

    internal static int Idx(int x, int y) => y * Size + x;

    internal static bool InGrid(int x, int y) => (uint)x < Size && (uint)y < Size;

    internal static ulong Fnv(ulong h, ulong v)
    {
        for (int i = 0; i < 8; i++)
        {
            h ^= (v >> (i * 8)) & 0xFF;
            h *= 0x100000001B3UL;
        }
        return h;
    }

    internal static ulong HashCells(ReadOnlySpan<byte> cells)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (var c in cells) { h ^= c; h *= 0x100000001B3UL; }
        return h;
    }

    /// <summary>Whether a move by (dx, dy) from (x, y) is allowed, given which cells can be entered.</summary>
    internal static bool CanMove(int x, int y, int dx, int dy, Func<int, int, bool> enterable)
    {
        int nx = x + dx, ny = y + dy;
        if (!InGrid(nx, ny) || !enterable(nx, ny)) return false;
        if (dx != 0 && dy != 0) return enterable(x + dx, y) || enterable(x, y + dy);
        return true;
    }

    /// <summary>
    /// A perfect maze by randomised Kruskal on cw × ch cells, written into a 15×15 grid (1 = wall, 0 = open) with the
    /// maze's top-left corner at (ox, oy). Cell (i, j) is grid cell (ox + 2i + 1, oy + 2j + 1).
    /// </summary>
    internal static void KruskalMaze(ref Rng rng, int cw, int ch, int ox, int oy, Span<byte> grid)
    {
        grid.Fill(1);
        for (int j = 0; j < ch; j++)
            for (int i = 0; i < cw; i++) grid[Idx(ox + 2 * i + 1, oy + 2 * j + 1)] = 0;
        Span<int> parent = stackalloc int[cw * ch];
        for (int k = 0; k < parent.Length; k++) parent[k] = k;
        // Edges: 2k = wall right of cell k, 2k + 1 = wall below cell k.
        Span<int> edges = stackalloc int[2 * cw * ch];
        int n = 0;
        for (int j = 0; j < ch; j++)
            for (int i = 0; i < cw; i++)
            {
                int k = j * cw + i;
                if (i + 1 < cw) edges[n++] = 2 * k;
                if (j + 1 < ch) edges[n++] = 2 * k + 1;
            }
        edges = edges[..n];
        rng.Shuffle(edges);
        foreach (int e in edges)
        {
            int a = e >> 1, b = (e & 1) == 0 ? a + 1 : a + cw;
            int ra = Find(parent, a), rb = Find(parent, b);
            if (ra == rb) continue;
            parent[ra] = rb;
            int ai = a % cw, aj = a / cw;
            if ((e & 1) == 0) grid[Idx(ox + 2 * ai + 2, oy + 2 * aj + 1)] = 0;
            else grid[Idx(ox + 2 * ai + 1, oy + 2 * aj + 2)] = 0;
        }

        static int Find(Span<int> p, int x)
        {
            while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
            return x;
        }
    }

    /// <summary>Breadth-first distances (in moves with the diagonal rule) from all <paramref name="sources"/>; −1 = unreachable.</summary>
    internal static void Distances(ReadOnlySpan<int> sources, Func<int, int, bool> enterable, Span<int> dist, bool orthogonal = false)
    {
        dist.Fill(-1);
        Span<int> queue = stackalloc int[Cells];
        int head = 0, tail = 0;
        foreach (var s in sources) { if (dist[s] < 0) { dist[s] = 0; queue[tail++] = s; } }
        while (head < tail)
        {
            int c = queue[head++];
            int x = c % Size, y = c / Size;
            for (int a = 0; a < 9; a++)
            {
                int dx = ActionDx[a], dy = ActionDy[a];
                if ((dx == 0 && dy == 0) || (orthogonal && dx != 0 && dy != 0)) continue;
                // Moves are symmetric under the diagonal rule, so distances from the sources are distances to them.
                if (!CanMove(x, y, dx, dy, enterable)) continue;
                int nc = Idx(x + dx, y + dy);
                if (dist[nc] >= 0) continue;
                dist[nc] = dist[c] + 1;
                queue[tail++] = nc;
            }
        }
    }
}
