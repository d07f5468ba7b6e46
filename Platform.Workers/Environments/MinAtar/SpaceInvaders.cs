using Platform.Data.Environments;

namespace Platform.Workers.Environments.MinAtar;

/// <summary>
/// Space Invaders. Rules: the cannon moves along the bottom row and fires (cool-down 5) a bullet that rises one row
/// per step. A 4×6 block of aliens (rows 0..3, columns 2..7) moves one column sideways every <c>interval</c> steps,
/// where the interval is min(aliens left, wave interval) — so the aliens speed up as they thin out; when an alien
/// reaches the edge in the direction of travel, the block instead moves down one row and turns round. Every 11
/// steps the lowest alien of the column nearest to the cannon fires a bullet that falls one row per step. A bullet
/// meeting an alien removes both (+1). An enemy bullet or an alien reaching the cannon ends the episode, as does
/// the block moving down while an alien is in the bottom row. When a wave is cleared a new one appears and, with
/// ramping (on by default), the wave interval shrinks by 1 (from 12 down to 6).
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class SpaceInvaders(EnvironmentOptions options) : MinAtarGame(options)
{
    private const int C = 6;
    internal const int ShotCoolDown = 5, InitialMoveInterval = 12, EnemyShotInterval = 10;

    internal int Pos, AlienDir, MoveInterval, AlienMoveTimer, AlienShotTimer, RampIndex, ShotTimer, AlienCount;
    internal readonly bool[] Aliens = new bool[Size * Size];
    internal readonly bool[] FriendlyBullets = new bool[Size * Size];
    internal readonly bool[] EnemyBullets = new bool[Size * Size];
    private readonly bool[] _scratch = new bool[Size * Size];

    public override void Reset()
    {
        Pos = 5;
        Array.Clear(FriendlyBullets);
        Array.Clear(EnemyBullets);
        Array.Clear(Aliens);
        FillWave();
        AlienDir = -1;
        MoveInterval = InitialMoveInterval;
        AlienMoveTimer = MoveInterval;
        AlienShotTimer = EnemyShotInterval;
        RampIndex = 0;
        ShotTimer = 0;
    }

    internal void FillWave()
    {
        for (int y = 0; y < 4; y++)
            for (int x = 2; x < 8; x++) Aliens[y * Size + x] = true;
        AlienCount = 24;
    }

    internal override float Act(int action, out bool terminal)
    {
        terminal = false;
        if (action == Fire && ShotTimer == 0)
        {
            FriendlyBullets[9 * Size + Pos] = true;
            ShotTimer = ShotCoolDown;
        }
        else if (action == Left) Pos = Math.Max(0, Pos - 1);
        else if (action == Right) Pos = Math.Min(9, Pos + 1);

        // Friendly bullets rise (those in row 0 leave); enemy bullets fall (those in row 9 leave).
        Array.Copy(FriendlyBullets, Size, FriendlyBullets, 0, 9 * Size);
        Array.Clear(FriendlyBullets, 9 * Size, Size);
        Array.Copy(EnemyBullets, 0, EnemyBullets, Size, 9 * Size);
        Array.Clear(EnemyBullets, 0, Size);
        if (EnemyBullets[9 * Size + Pos]) terminal = true;

        if (Aliens[9 * Size + Pos]) terminal = true;
        if (AlienMoveTimer == 0)
        {
            AlienMoveTimer = Math.Min(AlienCount, MoveInterval);
            if ((AlienDir < 0 && ColumnHasAlien(0)) || (AlienDir > 0 && ColumnHasAlien(9)))
            {
                AlienDir = -AlienDir;
                if (RowHasAlien(9)) terminal = true;
                // Down one row; the bottom row wraps to the top (the episode has ended in that case anyway).
                Array.Copy(Aliens, 9 * Size, _scratch, 0, Size);
                Array.Copy(Aliens, 0, Aliens, Size, 9 * Size);
                Array.Copy(_scratch, 0, Aliens, 0, Size);
            }
            else if (AlienDir < 0)
            {
                // Shifting the flat array one cell moves each row sideways; cells crossing a row boundary come from
                // the edge column, which is empty before a sideways move. Only the last cell is left stale.
                Array.Copy(Aliens, 1, Aliens, 0, Size * Size - 1);
                Aliens[Size * Size - 1] = false;
            }
            else
            {
                Array.Copy(Aliens, 0, Aliens, 1, Size * Size - 1);
                Aliens[0] = false;
            }
            if (Aliens[9 * Size + Pos]) terminal = true;
        }
        if (AlienShotTimer == 0)
        {
            AlienShotTimer = EnemyShotInterval;
            int shooter = NearestAlien();
            if (shooter >= 0) EnemyBullets[shooter] = true;
        }

        int kills = 0;
        for (int i = 0; i < Aliens.Length; i++)
        {
            if (Aliens[i] && FriendlyBullets[i])
            {
                Aliens[i] = false;
                FriendlyBullets[i] = false;
                kills++;
            }
        }
        AlienCount -= kills;

        if (ShotTimer > 0) ShotTimer--;
        AlienMoveTimer--;
        AlienShotTimer--;
        if (AlienCount == 0)
        {
            if (MoveInterval > 6 && Ramping)
            {
                MoveInterval--;
                RampIndex++;
            }
            FillWave();
        }
        return kills;
    }

    private bool ColumnHasAlien(int x)
    {
        for (int y = 0; y < Size; y++) if (Aliens[y * Size + x]) return true;
        return false;
    }

    private bool RowHasAlien(int y)
    {
        for (int x = 0; x < Size; x++) if (Aliens[y * Size + x]) return true;
        return false;
    }

    /// <summary>Cell of the lowest alien in the column nearest the cannon (ties: the left column), or −1.</summary>
    private int NearestAlien()
    {
        for (int d = 0; d < Size; d++)
        {
            for (int s = -1; s <= 1; s += 2)
            {
                if (d == 0 && s == 1) continue;
                int x = Pos + s * d;
                if (x < 0 || x >= Size) continue;
                for (int y = Size - 1; y >= 0; y--)
                    if (Aliens[y * Size + x]) return y * Size + x;
            }
        }
        return -1;
    }

    public override void WriteObservation(Span<float> o)
    {
        o[Cell(9, Pos, C, 0)] = 1;
        int dirChannel = AlienDir < 0 ? 2 : 3;
        for (int i = 0; i < Size * Size; i++)
        {
            if (Aliens[i]) { o[i * C + 1] = 1; o[i * C + dirChannel] = 1; }
            if (FriendlyBullets[i]) o[i * C + 4] = 1;
            if (EnemyBullets[i]) o[i * C + 5] = 1;
        }
    }

    private static readonly byte[] Colors =
        [80, 220, 120, 200, 80, 255, 200, 80, 255, 160, 80, 255, 255, 255, 255, 255, 120, 60];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    private static readonly int[] Order = [0, 1, 2, 3, 4, 5];
    public override ReadOnlySpan<int> PaintOrder => Order;
}
