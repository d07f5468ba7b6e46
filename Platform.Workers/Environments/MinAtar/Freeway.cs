using Platform.Data.Environments;

namespace Platform.Workers.Environments.MinAtar;

/// <summary>
/// Freeway. Rules: the chicken stays in column 4 and may move up or down at most once every 3 steps. Reaching the
/// top row gives +1, sends it back to the bottom row and re-draws every car's speed and direction. Eight cars (one
/// per row 1..8) move one cell every |speed| + 1 steps (speed 1..5, direction ±1), wrapping around the edges; a car in
/// the chicken's cell (before or after it moves) sends the chicken back to the bottom row. Cars start in column 0.
/// The episode ends when the step counter, starting at 2500, drops below zero (MinAtar's convention: the terminal
/// flag comes on step 2501). No ramp. Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class Freeway(EnvironmentOptions options) : MinAtarGame(options)
{
    private const int C = 7;
    internal const int PlayerSpeed = 3, TimeLimit = 2500, ChickenX = 4;

    internal struct Car
    {
        public int X, Timer, Speed; // Speed is signed: direction × (1..5)
    }

    internal int Pos, MoveTimer, TerminateTimer;
    /// <summary>Car i drives in row i + 1.</summary>
    internal readonly Car[] Cars = new Car[8];

    public override void Reset()
    {
        RandomizeCars(initialize: true);
        Pos = 9;
        MoveTimer = PlayerSpeed;
        TerminateTimer = TimeLimit;
    }

    internal void RandomizeCars(bool initialize)
    {
        for (int i = 0; i < Cars.Length; i++)
        {
            int speed = Rng.NextInclusive(1, 5);
            if (Rng.Next(2) == 0) speed = -speed;
            ref var car = ref Cars[i];
            if (initialize) car.X = 0;
            car.Speed = speed;
            car.Timer = Math.Abs(speed);
        }
    }

    internal override float Act(int action, out bool terminal)
    {
        float reward = 0;
        if (action == Up && MoveTimer == 0)
        {
            MoveTimer = PlayerSpeed;
            Pos = Math.Max(0, Pos - 1);
        }
        else if (action == Down && MoveTimer == 0)
        {
            MoveTimer = PlayerSpeed;
            Pos = Math.Min(9, Pos + 1);
        }

        if (Pos == 0)
        {
            reward += 1;
            RandomizeCars(initialize: false);
            Pos = 9;
        }

        for (int i = 0; i < Cars.Length; i++)
        {
            ref var car = ref Cars[i];
            int row = i + 1;
            if (car.X == ChickenX && row == Pos) Pos = 9;
            if (car.Timer == 0)
            {
                car.Timer = Math.Abs(car.Speed);
                car.X += car.Speed > 0 ? 1 : -1;
                if (car.X < 0) car.X = 9;
                else if (car.X > 9) car.X = 0;
                if (car.X == ChickenX && row == Pos) Pos = 9;
            }
            else car.Timer--;
        }

        if (MoveTimer > 0) MoveTimer--;
        TerminateTimer--;
        terminal = TerminateTimer < 0;
        return reward;
    }

    public override void WriteObservation(Span<float> o)
    {
        o[Cell(Pos, ChickenX, C, 0)] = 1;
        for (int i = 0; i < Cars.Length; i++)
        {
            var car = Cars[i];
            int row = i + 1;
            o[Cell(row, car.X, C, 1)] = 1;
            int back = car.Speed > 0 ? car.X - 1 : car.X + 1;
            if (back < 0) back = 9;
            else if (back > 9) back = 0;
            o[Cell(row, back, C, 1 + Math.Abs(car.Speed))] = 1;
        }
    }

    private static readonly byte[] Colors =
        [255, 230, 60, 230, 60, 60, 60, 80, 140, 70, 100, 160, 80, 120, 180, 90, 140, 200, 100, 160, 220];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    private static readonly int[] Order = [2, 3, 4, 5, 6, 1, 0];
    public override ReadOnlySpan<int> PaintOrder => Order;
}
