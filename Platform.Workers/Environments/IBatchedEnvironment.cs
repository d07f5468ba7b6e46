using Platform.Data.Environments;

namespace Platform.Workers.Environments;

/// <summary>
/// B independent environments stepped together. All buffers are caller-owned; the step path does not allocate.
/// <list type="bullet">
/// <item>Observations: <c>B × H × W × C</c> float32, channels-last, environment i at offset <c>i · Spec.ObservationSize</c>.</item>
/// <item>Auto-reset: when environment i's episode ends at a step, <c>terminals[i] = true</c>, <c>rewards[i]</c> is the final
/// reward, and the observation written is the first observation of the next episode.</item>
/// <item>Determinism: environment i draws from its own random stream derived from (seed, i), so its trajectory does not
/// depend on the batch size or on the other environments' actions.</item>
/// </list>
/// </summary>
public interface IBatchedEnvironment
{
    EnvironmentSpec Spec { get; }
    int BatchSize { get; }

    /// <summary>Starts a new episode in every environment and writes the first observations.</summary>
    void Reset(Span<float> observations);

    /// <summary>Steps every environment once. Invalid action indices throw <see cref="ArgumentOutOfRangeException"/> before any state changes.</summary>
    void Step(ReadOnlySpan<int> actions, Span<float> observations, Span<float> rewards, Span<bool> terminals);

    /// <summary>Episode statistics of environment <paramref name="index"/>.</summary>
    EpisodeStats GetEpisodeStats(int index);

    /// <summary>RGB render of environment <paramref name="index"/>'s current state at one pixel per cell: <c>H × W × 3</c> bytes.</summary>
    void RenderRgb(int index, Span<byte> rgb);
}
