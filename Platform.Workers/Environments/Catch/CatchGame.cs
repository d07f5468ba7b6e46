namespace Platform.Workers.Environments.Catch;

/// <summary>
/// Catch: a ball falls one row per step from a uniform column of row 0; the paddle in the bottom row moves
/// −1/0/+1 (actions 0/1/2, clamped) before the ball drops. When the ball reaches the paddle row the episode ends
/// with +1 if it is over the paddle, else −1. Observation rows×columns×1: 1 at the ball and the paddle.
/// </summary>
internal sealed class CatchGame(int rows, int columns) : Game
{
    internal int BallRow, BallColumn, Paddle;

    public override void Reset()
    {
        BallRow = 0;
        BallColumn = Rng.Next(columns);
        Paddle = columns / 2;
    }

    public override float Step(int action, out bool terminal)
    {
        Paddle = Math.Clamp(Paddle + action - 1, 0, columns - 1);
        BallRow++;
        if (BallRow >= rows - 1)
        {
            terminal = true;
            return BallColumn == Paddle ? 1f : -1f;
        }
        terminal = false;
        return 0f;
    }

    public override void WriteObservation(Span<float> observation)
    {
        observation[BallRow * columns + BallColumn] = 1;
        observation[(rows - 1) * columns + Paddle] = 1;
    }

    private static readonly byte[] Colors = [240, 240, 240];
    public override ReadOnlySpan<byte> ChannelColors => Colors;
}
