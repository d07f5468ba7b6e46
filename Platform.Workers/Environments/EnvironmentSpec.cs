namespace Platform.Workers.Environments;

/// <summary>
/// Static description of an environment id: what the learner, the API and the UI need to know without creating it.
/// Observations are float32, channels-last <c>[H, W, C]</c> per environment (index <c>(y * W + x) * C + c</c>),
/// like MinAtar's state and the reference Catch; cells are 0 or 1.
/// </summary>
/// <param name="Id">Stable id, e.g. <c>minatar/breakout</c>.</param>
/// <param name="Suite"><c>catch</c>, <c>minatar</c> or <c>procgen</c>.</param>
/// <param name="ActionCount">Discrete actions 0..ActionCount-1.</param>
/// <param name="ObservationShape">H, W, C.</param>
/// <param name="RandomReturn">Mean episode return of the uniform random policy (normalisation lower constant).</param>
/// <param name="ReferenceReturn">Best achievable / reference mean return (normalisation upper constant); NaN where not yet measured.</param>
/// <param name="NormalisationNote">How the two constants were measured.</param>
public sealed record EnvironmentSpec(
    string Id,
    string Suite,
    string DisplayName,
    int ActionCount,
    IReadOnlyList<int> ObservationShape,
    IReadOnlyList<string> ChannelNames,
    IReadOnlyList<string> ActionNames,
    double RandomReturn,
    double ReferenceReturn,
    string NormalisationNote)
{
    public int Height => ObservationShape[0];
    public int Width => ObservationShape[1];
    public int Channels => ObservationShape[2];

    /// <summary>Floats per environment observation (H·W·C).</summary>
    public int ObservationSize => Height * Width * Channels;

    /// <summary>Bytes of one RGB render at cell resolution (H·W·3).</summary>
    public int RgbSize => Height * Width * 3;

    /// <summary>Human-normalised-style score: (R − random) / (reference − random).</summary>
    public double Normalise(double episodeReturn) => (episodeReturn - RandomReturn) / (ReferenceReturn - RandomReturn);
}

/// <summary>Options common to all suites; each suite reads the ones that concern it.</summary>
public sealed record EnvironmentOptions
{
    public static readonly EnvironmentOptions Default = new();

    /// <summary>MinAtar: probability that the previously executed action is repeated instead of the chosen one.</summary>
    public double StickyActionProbability { get; init; } = 0.1;

    /// <summary>MinAtar: difficulty ramping (Asterix, Seaquest, SpaceInvaders).</summary>
    public bool DifficultyRamping { get; init; } = true;

    /// <summary>ProcGen: number of training level seeds (ProcGen easy uses 200).</summary>
    public int TrainLevels { get; init; } = 200;

    /// <summary>ProcGen: draw levels from the unseen test range instead of the training set.</summary>
    public bool UseTestLevels { get; init; }

    public void Validate()
    {
        if (!(StickyActionProbability >= 0 && StickyActionProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(StickyActionProbability), StickyActionProbability, "sticky action probability must be in [0, 1]");
        if (TrainLevels < 1 || TrainLevels > ProcGen.LevelSeeds.MaxTrainLevels)
            throw new ArgumentOutOfRangeException(nameof(TrainLevels), TrainLevels, $"train levels must be in 1..{ProcGen.LevelSeeds.MaxTrainLevels}");
    }
}

/// <summary>Statistics of one environment of a batch: the last completed episode and how many have completed.</summary>
public readonly record struct EpisodeStats(int CompletedEpisodes, float LastReturn, int LastLength, float CurrentReturn, int CurrentLength);

/// <summary>Thrown for an id that is not in <see cref="EnvironmentRegistry"/>; the message lists the valid ids.</summary>
public sealed class UnknownEnvironmentException(string id, IEnumerable<string> validIds)
    : ArgumentException($"unknown environment '{id}'; valid ids: {string.Join(", ", validIds)}")
{
    public string Id { get; } = id;
}
