using Platform.Data.Environments;

namespace Platform.Api.Sweeps;

/// <summary>
/// The seed paper's robustness question asked of one sweep: for each rule, how many of its swept settings come within
/// 10 % of that rule's best setting. Scores are normalised per environment between random play (0) and the rule's best
/// setting there (1), so "within 10 %" means the same on Catch (random −0.75) as on a game whose random play scores 0:
/// a setting counts when its mean final score over seeds is at least 0.9 on that scale. Pure: no database.
/// </summary>
public static class SweepRobustness
{
    public const double Tolerance = 0.10;

    /// <summary>One setting's outcome: its rule, environment, and mean final score over its finished seeds.</summary>
    public sealed record Setting(string Rule, string Env, double MeanFinalScore);

    public static IReadOnlyList<SweepRobustnessDto> Summarise(IEnumerable<Setting> settings)
    {
        var result = new List<SweepRobustnessDto>();
        foreach (var byRule in settings.GroupBy(s => s.Rule).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int counted = 0, within = 0;
            var unnormalisable = new List<string>();
            foreach (var byEnv in byRule.GroupBy(s => s.Env).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var random = EnvironmentCatalog.Contains(byEnv.Key) ? EnvironmentCatalog.Get(byEnv.Key).RandomReturn : double.NaN;
                var best = byEnv.Max(s => s.MeanFinalScore);
                // No scale when random play is unknown or the best setting does not beat it: nothing to be within 10 % of.
                if (!double.IsFinite(random) || best <= random) { unnormalisable.Add(byEnv.Key); continue; }
                foreach (var s in byEnv)
                {
                    counted++;
                    if ((s.MeanFinalScore - random) / (best - random) >= 1 - Tolerance) within++;
                }
            }
            result.Add(new SweepRobustnessDto(byRule.Key, counted, within, counted > 0 ? (double)within / counted : null,
                unnormalisable.Count > 0 ? $"Not counted (no setting beats random play, or its score is unknown): {string.Join(", ", unnormalisable)}." : null));
        }
        return result;
    }
}
