using Platform.Data.Runs;

namespace Platform.Data.MetaNetworks;

/// <summary>
/// The published meta-networks every team sees as built-in, read-only checkpoints without anyone uploading them (today the
/// released Disco103): a shared checkpoint row (no team, no run) with a fixed id, so <c>meta-network:ID</c>, downloads and
/// suite evaluations work as for an upload. The API registers it at start from <see cref="SharedFolder.Disco103Weights"/>.
/// </summary>
public static class ReleasedMetaNetworks
{
    /// <summary>Disco103's checkpoint id, the same in every installation (its short id, <see cref="ShortIds"/>, reads 00000103).</summary>
    public static readonly Guid Disco103Id = new("d15c0000-0000-4000-8000-000000000103");

    public const string Disco103Name = "Disco103 (released)";

    /// <summary>What Disco103 was meta-trained on, as the rule catalogue says.</summary>
    public static IReadOnlyList<string> Disco103MetaTrainedOn => RuleCatalog.Find(RuleCatalog.Disco103)!.MetaTrainedOn!;
}
