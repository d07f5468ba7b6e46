using Platform.Data.Environments;

namespace Platform.Workers.Environments.MinAtar;

/// <summary>
/// Asterix. Rules: the player moves in 4 directions within rows 1..8. Every <c>spawnSpeed</c> steps an entity
/// appears at the left or right edge (each 1/2) of a random free lane (rows 1..8, one entity per lane; nothing
/// if all lanes are taken); it is gold with probability 1/3, otherwise an enemy. Every <c>moveSpeed</c> steps all
/// entities move one cell in their direction and leave at the far edge. Touching gold gives +1 and removes it;
/// touching an enemy ends the episode (contact is checked before and after the entities move). Ramping (on by
/// default): every 100 steps the spawn interval shrinks by 1, and every second ramp the move interval too
/// (both down to 1). Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class Asterix(EnvironmentOptions options) : MinAtarGame(options)
{
    private const int C = 4;
    internal const int RampInterval = 100, InitialSpawnSpeed = 10, InitialMoveSpeed = 5;

    internal struct Entity
    {
        public bool Active, MovingRight, Gold;
        public int X;
    }

    internal int PlayerX, PlayerY, SpawnSpeed, SpawnTimer, MoveSpeed, MoveTimer, RampTimer, RampIndex;
    /// <summary>One slot per lane: slot i lives in row i + 1.</summary>
    internal readonly Entity[] Entities = new Entity[8];

    public override void Reset()
    {
        PlayerX = 5;
        PlayerY = 5;
        Array.Clear(Entities);
        SpawnSpeed = InitialSpawnSpeed;
        SpawnTimer = SpawnSpeed;
        MoveSpeed = InitialMoveSpeed;
        MoveTimer = MoveSpeed;
        RampTimer = RampInterval;
        RampIndex = 0;
    }

    internal override float Act(int action, out bool terminal)
    {
        float reward = 0;
        terminal = false;
        if (SpawnTimer == 0)
        {
            Spawn();
            SpawnTimer = SpawnSpeed;
        }

        switch (action)
        {
            case Left: PlayerX = Math.Max(0, PlayerX - 1); break;
            case Right: PlayerX = Math.Min(9, PlayerX + 1); break;
            case Up: PlayerY = Math.Max(1, PlayerY - 1); break;
            case Down: PlayerY = Math.Min(8, PlayerY + 1); break;
        }

        var entities = Entities;
        for (int i = 0; i < entities.Length; i++)
            Touch(ref entities[i], i, ref reward, ref terminal);

        if (MoveTimer == 0)
        {
            MoveTimer = MoveSpeed;
            for (int i = 0; i < entities.Length; i++)
            {
                ref var e = ref entities[i];
                if (!e.Active) continue;
                e.X += e.MovingRight ? 1 : -1;
                if (e.X < 0 || e.X > 9) { e.Active = false; continue; }
                Touch(ref e, i, ref reward, ref terminal);
            }
        }

        SpawnTimer--;
        MoveTimer--;

        if (Ramping && (SpawnSpeed > 1 || MoveSpeed > 1))
        {
            if (RampTimer >= 0) RampTimer--;
            else
            {
                if (MoveSpeed > 1 && RampIndex % 2 == 1) MoveSpeed--;
                if (SpawnSpeed > 1) SpawnSpeed--;
                RampIndex++;
                RampTimer = RampInterval;
            }
        }
        return reward;
    }

    private void Touch(ref Entity e, int slot, ref float reward, ref bool terminal)
    {
        if (!e.Active || e.X != PlayerX || slot + 1 != PlayerY) return;
        if (e.Gold) { e.Active = false; reward += 1; }
        else terminal = true;
    }

    private void Spawn()
    {
        bool right = Rng.Next(2) == 0;
        bool gold = Rng.Next(3) == 0;
        Span<int> free = stackalloc int[8];
        int n = 0;
        for (int i = 0; i < Entities.Length; i++)
            if (!Entities[i].Active) free[n++] = i;
        if (n == 0) return;
        int slot = free[Rng.Next(n)];
        Entities[slot] = new Entity { Active = true, MovingRight = right, Gold = gold, X = right ? 0 : 9 };
    }

    public override void WriteObservation(Span<float> o)
    {
        o[Cell(PlayerY, PlayerX, C, 0)] = 1;
        for (int i = 0; i < Entities.Length; i++)
        {
            var e = Entities[i];
            if (!e.Active) continue;
            int y = i + 1;
            o[Cell(y, e.X, C, e.Gold ? 3 : 1)] = 1;
            int back = e.MovingRight ? e.X - 1 : e.X + 1;
            if (back >= 0 && back <= 9) o[Cell(y, back, C, 2)] = 1;
        }
    }

    private static readonly byte[] Colors = [80, 200, 255, 230, 60, 60, 90, 90, 90, 255, 210, 40];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    private static readonly int[] Order = [2, 1, 3, 0];
    public override ReadOnlySpan<int> PaintOrder => Order;
}
