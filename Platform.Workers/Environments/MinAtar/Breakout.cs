using Platform.Data.Environments;

namespace Platform.Workers.Environments.MinAtar;

/// <summary>
/// Breakout. Rules: the paddle moves along the bottom row; the ball moves one diagonal cell per step; walls and
/// the ceiling reflect it; hitting a brick removes it (+1), the ball stays in its row and reflects vertically (at most
/// one brick per step while in contact); at the bottom row the ball bounces straight back if the paddle is under
/// its previous column, sideways-back if the paddle is under its new column, otherwise the episode ends. When all
/// bricks are gone, three new rows appear the next time the ball reaches the bottom. No difficulty ramp.
/// Channels (names and order): <see cref="EnvironmentCatalog"/>.
/// </summary>
internal sealed class Breakout(EnvironmentOptions options) : MinAtarGame(options)
{
    private const int C = 4;

    // Ball directions: 0 up-left, 1 up-right, 2 down-right, 3 down-left.
    private static ReadOnlySpan<int> Dx => [-1, 1, 1, -1];
    private static ReadOnlySpan<int> Dy => [-1, -1, 1, 1];
    private static ReadOnlySpan<int> FlipX => [1, 0, 3, 2];
    private static ReadOnlySpan<int> FlipY => [3, 2, 1, 0];
    private static ReadOnlySpan<int> Reverse => [2, 3, 0, 1];

    internal int Paddle, BallX, BallY, BallDir, LastX, LastY, BrickCount;
    internal bool Strike;
    internal readonly bool[] Bricks = new bool[Size * Size];

    public override void Reset()
    {
        BallY = 3;
        if (Rng.Next(2) == 0) { BallX = 0; BallDir = 2; }
        else { BallX = 9; BallDir = 3; }
        Paddle = 4;
        Array.Clear(Bricks);
        FillBricks();
        Strike = false;
        LastX = BallX;
        LastY = BallY;
    }

    internal void FillBricks()
    {
        Bricks.AsSpan(1 * Size, 3 * Size).Fill(true);
        BrickCount = 3 * Size;
    }

    internal override float Act(int action, out bool terminal)
    {
        float reward = 0;
        terminal = false;
        if (action == Left) Paddle = Math.Max(0, Paddle - 1);
        else if (action == Right) Paddle = Math.Min(Size - 1, Paddle + 1);

        LastX = BallX;
        LastY = BallY;
        int nx = BallX + Dx[BallDir];
        int ny = BallY + Dy[BallDir];
        bool touching = false;
        if (nx < 0 || nx >= Size)
        {
            nx = Math.Clamp(nx, 0, Size - 1);
            BallDir = FlipX[BallDir];
        }
        if (ny < 0)
        {
            ny = 0;
            BallDir = FlipY[BallDir];
        }
        else if (Bricks[ny * Size + nx])
        {
            touching = true;
            if (!Strike)
            {
                reward = 1;
                Strike = true;
                Bricks[ny * Size + nx] = false;
                BrickCount--;
                ny = LastY;
                BallDir = FlipY[BallDir];
            }
        }
        else if (ny == Size - 1)
        {
            if (BrickCount == 0) FillBricks();
            if (BallX == Paddle)
            {
                BallDir = FlipY[BallDir];
                ny = LastY;
            }
            else if (nx == Paddle)
            {
                BallDir = Reverse[BallDir];
                ny = LastY;
            }
            else
            {
                terminal = true;
            }
        }
        if (!touching) Strike = false;
        BallX = nx;
        BallY = ny;
        return reward;
    }

    public override void WriteObservation(Span<float> o)
    {
        o[Cell(BallY, BallX, C, 1)] = 1;
        o[Cell(Size - 1, Paddle, C, 0)] = 1;
        o[Cell(LastY, LastX, C, 2)] = 1;
        if (BrickCount == 0) return;
        var bricks = Bricks;
        for (int i = Size; i < 4 * Size; i++) // bricks only ever occupy rows 1..3
            if (bricks[i]) o[i * C + 3] = 1;
    }

    private static readonly byte[] Colors = [80, 160, 255, 255, 255, 255, 110, 110, 110, 220, 90, 60];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
    private static readonly int[] Order = [3, 2, 0, 1];
    public override ReadOnlySpan<int> PaintOrder => Order;
}
