using Platform.Data.Environments;

namespace Platform.Workers.Environments.MinAtar;

/// <summary>
/// Seaquest. Rules: the two-cell submarine (front and back show its heading) moves in 4 directions within rows 0..8
/// and fires a bullet from its front (cool-down 5). Enemies (fish, or with probability 1/3 a shooting submarine)
/// spawn every <c>spawnSpeed</c> steps at the left or right edge of a random row 1..8 (skipped when that row already
/// holds an enemy going the other way); divers spawn every 30 steps the same way. Enemies move every
/// <c>moveSpeed</c>+1 steps, divers every 6; enemy submarines fire every 11 steps. A friendly bullet hitting an enemy
/// removes both (+1). Touching a fish, an enemy submarine or an enemy bullet ends the episode. Touching a diver picks it
/// up (at most 6). Oxygen (200) drops by 1 each step below the surface; at 0 the episode ends. Arriving at the surface
/// ends the episode with no divers aboard; otherwise it refills oxygen and costs one diver, or with 6 divers aboard
/// gives oxygen·10/200 (integer) and empties the sub, then costs one diver as well: the count goes to −1, as in the
/// reference MinAtar, so the sub may surface again (and again, the count going further below 0) without ending the
/// episode until the divers it picks up bring the count back to 0. Published MinAtar scores come from this behaviour.
/// The diver gauge shows nothing while the count is below 1. Each surfacing ramps (on by default) the enemy spawn
/// interval down by 1 (to 1) and, every second time, the move interval (to 2).
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class Seaquest(EnvironmentOptions options) : MinAtarGame(options)
{
    private const int C = 10;
    internal const int MaxOxygen = 200, InitialSpawnSpeed = 20, DiverSpawnSpeed = 30, InitialMoveSpeed = 5,
        ShotCoolDown = 5, EnemyShotInterval = 10, DiverMoveInterval = 5;

    internal struct Obj
    {
        public int X, Y, MoveTimer, ShotTimer;
        public bool Right;
    }

    /// <summary>An ordered list of objects in a fixed array (order matters for which of two overlapping objects is hit).</summary>
    internal sealed class ObjList(int capacity)
    {
        public Obj[] Items = new Obj[capacity];
        public int Count;
        public ref Obj this[int i] => ref Items[i];
        public void Add(in Obj o)
        {
            if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
            Items[Count++] = o;
        }
        public void RemoveAt(int i)
        {
            Count--;
            if (i < Count) Array.Copy(Items, i + 1, Items, i, Count - i);
        }
        public int IndexAt(int x, int y)
        {
            for (int i = 0; i < Count; i++)
                if (Items[i].X == x && Items[i].Y == y) return i;
            return -1;
        }
        public void Clear() => Count = 0;
    }

    internal int SubX, SubY, Oxygen, DiverCount, SpawnSpeed, SpawnTimer, DiverTimer, MoveSpeed, RampIndex, ShotTimer;
    internal bool SubRight, Surfaced;
    internal readonly ObjList FriendlyBullets = new(8), EnemyBullets = new(16), Fish = new(16), Subs = new(16), Divers = new(16);

    public override void Reset()
    {
        Oxygen = MaxOxygen;
        DiverCount = 0;
        SubX = 5;
        SubY = 0;
        SubRight = false;
        FriendlyBullets.Clear();
        EnemyBullets.Clear();
        Fish.Clear();
        Subs.Clear();
        Divers.Clear();
        SpawnSpeed = InitialSpawnSpeed;
        SpawnTimer = SpawnSpeed;
        DiverTimer = DiverSpawnSpeed;
        MoveSpeed = InitialMoveSpeed;
        RampIndex = 0;
        ShotTimer = 0;
        Surfaced = true;
    }

    private bool AtSub(in Obj o) => o.X == SubX && o.Y == SubY;

    internal override float Act(int action, out bool terminal)
    {
        float reward = 0;
        terminal = false;
        if (SpawnTimer == 0) { SpawnEnemy(); SpawnTimer = SpawnSpeed; }
        if (DiverTimer == 0) { SpawnDiver(); DiverTimer = DiverSpawnSpeed; }

        if (action == Fire && ShotTimer == 0)
        {
            FriendlyBullets.Add(new Obj { X = SubX, Y = SubY, Right = SubRight });
            ShotTimer = ShotCoolDown;
        }
        else if (action == Left) { SubX = Math.Max(0, SubX - 1); SubRight = false; }
        else if (action == Right) { SubX = Math.Min(9, SubX + 1); SubRight = true; }
        else if (action == Up) SubY = Math.Max(0, SubY - 1);
        else if (action == Down) SubY = Math.Min(8, SubY + 1);

        // Friendly bullets advance; one hitting an enemy (fish first) removes both.
        for (int i = FriendlyBullets.Count - 1; i >= 0; i--)
        {
            ref var b = ref FriendlyBullets[i];
            b.X += b.Right ? 1 : -1;
            if (b.X < 0 || b.X > 9) { FriendlyBullets.RemoveAt(i); continue; }
            int hit = Fish.IndexAt(b.X, b.Y);
            if (hit >= 0) { Fish.RemoveAt(hit); FriendlyBullets.RemoveAt(i); reward += 1; continue; }
            hit = Subs.IndexAt(b.X, b.Y);
            if (hit >= 0) { Subs.RemoveAt(hit); FriendlyBullets.RemoveAt(i); reward += 1; }
        }

        // Divers: picked up on contact (room for 6), otherwise drift.
        for (int i = Divers.Count - 1; i >= 0; i--)
        {
            ref var d = ref Divers[i];
            if (AtSub(d) && DiverCount < 6) { Divers.RemoveAt(i); DiverCount++; continue; }
            if (d.MoveTimer == 0)
            {
                d.MoveTimer = DiverMoveInterval;
                d.X += d.Right ? 1 : -1;
                if (d.X < 0 || d.X > 9) Divers.RemoveAt(i);
                else if (AtSub(d) && DiverCount < 6) { Divers.RemoveAt(i); DiverCount++; }
            }
            else d.MoveTimer--;
        }

        // Enemy submarines: move, may be shot, and fire on their own timer (even in the step they are removed).
        for (int i = Subs.Count - 1; i >= 0; i--)
        {
            var s = Subs[i];
            if (AtSub(s)) terminal = true;
            bool removed = false;
            if (s.MoveTimer == 0)
            {
                s.MoveTimer = MoveSpeed;
                s.X += s.Right ? 1 : -1;
                if (s.X < 0 || s.X > 9) removed = true;
                else if (AtSub(s)) terminal = true;
                else
                {
                    int hit = FriendlyBullets.IndexAt(s.X, s.Y);
                    if (hit >= 0) { removed = true; FriendlyBullets.RemoveAt(hit); reward += 1; }
                }
            }
            else s.MoveTimer--;
            if (s.ShotTimer == 0)
            {
                s.ShotTimer = EnemyShotInterval;
                EnemyBullets.Add(new Obj { X = s.X, Y = s.Y, Right = s.Right });
            }
            else s.ShotTimer--;
            if (removed) Subs.RemoveAt(i);
            else Subs[i] = s;
        }

        // Enemy bullets.
        for (int i = EnemyBullets.Count - 1; i >= 0; i--)
        {
            ref var b = ref EnemyBullets[i];
            if (AtSub(b)) terminal = true;
            b.X += b.Right ? 1 : -1;
            if (b.X < 0 || b.X > 9) EnemyBullets.RemoveAt(i);
            else if (AtSub(b)) terminal = true;
        }

        // Fish.
        for (int i = Fish.Count - 1; i >= 0; i--)
        {
            ref var f = ref Fish[i];
            if (AtSub(f)) terminal = true;
            if (f.MoveTimer == 0)
            {
                f.MoveTimer = MoveSpeed;
                f.X += f.Right ? 1 : -1;
                if (f.X < 0 || f.X > 9) Fish.RemoveAt(i);
                else if (AtSub(f)) terminal = true;
                else
                {
                    int hit = FriendlyBullets.IndexAt(f.X, f.Y);
                    if (hit >= 0) { Fish.RemoveAt(i); FriendlyBullets.RemoveAt(hit); reward += 1; }
                }
            }
            else f.MoveTimer--;
        }

        if (SpawnTimer > 0) SpawnTimer--;
        if (DiverTimer > 0) DiverTimer--;
        if (ShotTimer > 0) ShotTimer--;
        if (Oxygen <= 0) terminal = true;
        if (SubY > 0)
        {
            Oxygen--;
            Surfaced = false;
        }
        else if (!Surfaced)
        {
            if (DiverCount == 0) terminal = true;
            else reward += Surface();
        }
        return reward;
    }

    private float Surface()
    {
        Surfaced = true;
        int reward = 0;
        if (DiverCount == 6)
        {
            reward = Oxygen * 10 / MaxOxygen;
            DiverCount = 0;
        }
        DiverCount--; // also after six: −1, the reference's count (see the summary)
        Oxygen = MaxOxygen;
        if (Ramping && (SpawnSpeed > 1 || MoveSpeed > 2))
        {
            if (MoveSpeed > 2 && RampIndex % 2 == 1) MoveSpeed--;
            if (SpawnSpeed > 1) SpawnSpeed--;
            RampIndex++;
        }
        return reward;
    }

    private void SpawnEnemy()
    {
        bool right = Rng.Next(2) == 0;
        bool isSub = Rng.Next(3) == 0;
        int y = Rng.NextInclusive(1, 8);
        if (OppositeInRow(Subs, y, right) || OppositeInRow(Fish, y, right)) return;
        var o = new Obj { X = right ? 0 : 9, Y = y, Right = right, MoveTimer = MoveSpeed, ShotTimer = EnemyShotInterval };
        if (isSub) Subs.Add(o);
        else Fish.Add(o);
    }

    private static bool OppositeInRow(ObjList list, int y, bool right)
    {
        for (int i = 0; i < list.Count; i++)
            if (list.Items[i].Y == y && list.Items[i].Right != right) return true;
        return false;
    }

    private void SpawnDiver()
    {
        bool right = Rng.Next(2) == 0;
        int y = Rng.NextInclusive(1, 8);
        Divers.Add(new Obj { X = right ? 0 : 9, Y = y, Right = right, MoveTimer = DiverMoveInterval });
    }

    public override void WriteObservation(Span<float> o)
    {
        o[Cell(SubY, SubX, C, 0)] = 1;
        o[Cell(SubY, SubRight ? SubX - 1 : SubX + 1, C, 1)] = 1;
        int oxygenCells = Math.Max(0, Oxygen) * 10 / MaxOxygen;
        for (int x = 0; x < oxygenCells; x++) o[Cell(9, x, C, 7)] = 1;
        for (int x = 9 - DiverCount; x < 9; x++) o[Cell(9, x, C, 8)] = 1;
        for (int i = 0; i < FriendlyBullets.Count; i++) o[Cell(FriendlyBullets.Items[i].Y, FriendlyBullets.Items[i].X, C, 2)] = 1;
        for (int i = 0; i < EnemyBullets.Count; i++) o[Cell(EnemyBullets.Items[i].Y, EnemyBullets.Items[i].X, C, 4)] = 1;
        WriteMovers(o, Fish, 5);
        WriteMovers(o, Subs, 6);
        WriteMovers(o, Divers, 9);
    }

    private static void WriteMovers(Span<float> o, ObjList list, int channel)
    {
        for (int i = 0; i < list.Count; i++)
        {
            var m = list.Items[i];
            o[Cell(m.Y, m.X, C, channel)] = 1;
            int back = m.Right ? m.X - 1 : m.X + 1;
            if (back >= 0 && back <= 9) o[Cell(m.Y, back, C, 3)] = 1;
        }
    }

    private static readonly byte[] Colors =
    [
        255, 230, 60, 200, 180, 40, 255, 255, 255, 70, 70, 90, 255, 120, 60,
        230, 60, 60, 200, 60, 200, 60, 160, 255, 60, 220, 120, 120, 255, 160,
    ];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    private static readonly int[] Order = [3, 7, 8, 9, 5, 6, 1, 0, 2, 4];
    public override ReadOnlySpan<int> PaintOrder => Order;
    public override (byte R, byte G, byte B) Background => (10, 20, 60);
}
