namespace Platform.Data.Entities;

/// <summary>A family of environments whose scores are normalised the same way (a row per suite of <c>EnvironmentCatalog</c>, upserted at API start).</summary>
public class SuiteRecord
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }

    public List<EnvironmentRecord> Environments { get; set; } = [];
}

/// <summary>
/// An environment a run may name (the API validates submissions against this table; its rows are upserted from
/// <c>EnvironmentCatalog</c> at API start). Scores are normalised as (score - RandomScore) / (ReferenceScore - RandomScore);
/// the constants stay null until measured.
/// </summary>
public class EnvironmentRecord
{
    /// <summary>"suite/name", e.g. "minatar/breakout".</summary>
    public required string Id { get; set; }
    public required string SuiteId { get; set; }
    public SuiteRecord? Suite { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }

    public double? RandomScore { get; set; }
    public double? ReferenceScore { get; set; }
}
