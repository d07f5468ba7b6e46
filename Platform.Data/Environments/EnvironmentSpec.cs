namespace Platform.Data.Environments;

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
/// <remarks>The catalogue (<see cref="EnvironmentCatalog"/>) declares every spec; the workers' registry only adds the factories.</remarks>
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
    /// <summary>ProcGen environments have separate training and test levels (the generalisation protocol); the others one kind.</summary>
    public bool HasTestLevels => Suite == "procgen";

    /// <summary>The id without its suite (<c>breakout</c>): the environments table's name.</summary>
    public string Name => Id[(Id.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>A sentence for the environments table: what the game is about (every catalogue environment has one).</summary>
    public string? Description { get; init; }

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

/// <summary>Thrown for an id that is not in <see cref="EnvironmentCatalog"/>; the message lists the valid ids.</summary>
public sealed class UnknownEnvironmentException(string id, IEnumerable<string> validIds)
    : ArgumentException($"unknown environment '{id}'; valid ids: {string.Join(", ", validIds)}")
{
    public string Id { get; } = id;
}
