using System.Globalization;

namespace Platform.Data.Runs;

/// <summary>
/// The run-folder contract between the trainer processes (writers), the worker (reader, registrar) and the API:
/// file names, checkpoint folder naming, summary keys and metric names. Each is written here once.
/// <code>
/// RUN/run.json              {"config": …}: everything --resume needs
/// RUN/metrics.jsonl         one {"step", "time", "values"} line per log point
/// RUN/checkpoints/latest    the name of the newest complete checkpoint folder
/// RUN/checkpoints/step-000000012000/          (train)       agent parameters, optimiser, replay…
/// RUN/checkpoints/meta-step-000000000050/     (meta-train)  meta_network.npz in the Disco103 layout, …
/// RUN/summary.json          the final numbers (train: final_return, steps; meta-train: final_inner_return, meta_steps)
/// RUN/metrics.jsonl         (evaluate) one evaluation_return point per episode, step = the episode's number
/// RUN/provenance.json       code, software, machine, command line and resolved configuration (RunProvenanceKeys)
/// RUN/agent-step-….zip      (worker) a registered agent checkpoint
/// RUN/meta-networks/meta-step-….npz  (worker) a registered meta-network
/// RUN/replay.gif            (worker) the final policy playing
/// </code>
/// </summary>
public static class RunFolderLayout
{
    public const string RunFile = "run.json", MetricsFile = "metrics.jsonl", SummaryFile = "summary.json";
    public const string CheckpointsFolder = "checkpoints", LatestFile = "latest";
    public const string AgentCheckpointPrefix = "step-", MetaCheckpointPrefix = "meta-step-";
    /// <summary>
    /// The agent's (online) parameters inside each train checkpoint folder: with run.json, all a policy needs (the rest of
    /// the folder, target network, optimiser, replay buffer…, is for resuming training).
    /// </summary>
    public const string AgentParametersFile = "agent.npz";
    /// <summary>The frozen rule inside each meta-train checkpoint folder, in the released Disco103 .npz layout.</summary>
    public const string MetaNetworkFile = "meta_network.npz";
    public const string MetaNetworksFolder = "meta-networks";
    /// <summary>
    /// Meta-validation (<c>meta-train --validate-every</c>): one line per validation {"meta_step", "validation_return"}, and
    /// the best-validated rule as best/meta_network.npz with best/best.json {"meta_step", "validation_return"}.
    /// </summary>
    public const string ValidationsFile = "validations.jsonl", BestFolder = "best", BestFile = "best.json";
    public const string MetricValidationReturn = "validation_return";
    public const string ReplayFile = "replay.gif";
    /// <summary>What an inspect run writes: the rule inspector's report (<c>inspect-rule --out</c>).</summary>
    public const string InspectionFile = "inspection.json";
    /// <summary>Where and how the run was computed, written by the trainer at each start (<see cref="RunProvenanceKeys"/>).</summary>
    public const string ProvenanceFile = "provenance.json";

    /// <summary>
    /// summary.json keys. final_return: mean of the last 100 training episodes (the learning curve's last point);
    /// final_return_eval: the final policy evaluated over a fixed number of episodes, each parallel environment's share
    /// fixed in advance (no bias towards short episodes), on the training environment (ProcGen: its training levels),
    /// over final_eval_episodes episodes. The run's final score is final_return_eval, or final_return for run folders
    /// written before it existed.
    /// </summary>
    public const string SummaryFinalReturn = "final_return", SummaryFinalEvalReturn = "final_return_eval",
        SummaryFinalEvalEpisodes = "final_eval_episodes", SummarySteps = "steps",
        SummaryFinalInnerReturn = "final_inner_return", SummaryMetaSteps = "meta_steps";

    /// <summary>Metric names the platform's pages and leaderboards read.</summary>
    public const string MetricEpisodeReturn = "episode_return", MetricInnerReturn = "inner_return",
        MetricStepsPerSecond = "steps_per_second", MetricMetaStepsPerSecond = "meta_steps_per_second", MetricMeanReturn = "mean_return";

    /// <summary>
    /// What <c>evaluate --out DIR</c> writes to DIR/metrics.jsonl: one point per evaluation episode, its return at step =
    /// the episode's number (1 to K), from which the run's page shows the episodes' spread.
    /// </summary>
    public const string MetricEvaluationReturn = "evaluation_return";

    /// <summary>Metrics that measure the wall clock, not the computation: a re-run's bit-for-bit comparison leaves them out.</summary>
    public static readonly IReadOnlyList<string> WallClockMetrics = [MetricStepsPerSecond, MetricMetaStepsPerSecond];

    /// <summary>
    /// A ProcGen train run's final policy evaluated on its training levels and on test levels it never saw: both a
    /// summary.json key and a metric (one point at the final step).
    /// </summary>
    public const string FinalReturnTrainLevels = "final_return_train_levels", FinalReturnTestLevels = "final_return_test_levels";

    /// <summary>checkpoints/step-000000012000 for 12,000 environment steps.</summary>
    public static string AgentCheckpointName(long envSteps) => AgentCheckpointPrefix + envSteps.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>checkpoints/meta-step-000000000050 for 50 meta-steps.</summary>
    public static string MetaCheckpointName(long metaSteps) => MetaCheckpointPrefix + metaSteps.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>The step of a checkpoint folder name with the given prefix (step-000000012000 → 12000), or null.</summary>
    public static long? StepOf(string folderName, string prefix) =>
        folderName.StartsWith(prefix, StringComparison.Ordinal)
        && long.TryParse(folderName.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : null;

    /// <summary>The zip the worker packs an agent checkpoint folder into: RUN/agent-step-….zip.</summary>
    public static string AgentZipName(string checkpointName) => $"agent-{checkpointName}.zip";

    /// <summary>Where the worker keeps a registered meta-network: RUN/meta-networks/meta-step-….npz.</summary>
    public static string RegisteredMetaNetwork(string checkpointName) => Path.Combine(MetaNetworksFolder, checkpointName + ".npz");

    /// <summary>The last line of <c>evaluate</c>: <c>mean_return=&lt;x&gt; episodes=&lt;k&gt;</c>.</summary>
    public static string EvaluateResultLine(double meanReturn, int episodes) =>
        string.Create(CultureInfo.InvariantCulture, $"{MetricMeanReturn}={meanReturn:G6} episodes={episodes}");

    /// <summary>The mean return and episode count of the last non-empty line, or null when it is not that line.</summary>
    public static (double MeanReturn, int Episodes)? ParseEvaluateResult(IReadOnlyList<string> stdout)
    {
        var last = stdout.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();
        if (last is null) return null;
        var parts = last.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string meanKey = MetricMeanReturn + "=", episodesKey = "episodes=";
        if (parts.Length != 2 || !parts[0].StartsWith(meanKey, StringComparison.Ordinal) || !parts[1].StartsWith(episodesKey, StringComparison.Ordinal))
            return null;
        return double.TryParse(parts[0][meanKey.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var mean) && double.IsFinite(mean)
               && int.TryParse(parts[1][episodesKey.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var episodes)
            ? (mean, episodes) : null;
    }
}
