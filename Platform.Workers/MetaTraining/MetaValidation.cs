using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Data.Runs;
using Platform.Workers.Learning;

namespace Platform.Workers.MetaTraining;

/// <summary>
/// Meta-validation and checkpoint selection (issue #18, item 1). A rule is scored by training fresh agents with it,
/// frozen, for <see cref="MetaTrainConfig.ValidationSteps"/> environment steps with the inner learner's settings (agent i on
/// the i-th meta-training environment, cycling); its score is the mean over agents of their last 100 episodes' return.
/// Validation agents use seeds the meta-training never draws (<see cref="ValidationSeeds"/>, the same at every
/// validation so checkpoints are compared on equal terms); the selected rule's final test uses others again
/// (<see cref="TestSeeds"/>), so the reported test return is not the maximum it was selected by. The best-validated rule is
/// kept as DIR/best/meta_network.npz with DIR/best/best.json.
/// </summary>
public sealed class MetaValidation(MetaTrainConfig config, string outDir)
{
    public const string SummaryBestMetaStep = "best_meta_step", SummaryBestValidationReturn = "best_validation_return",
        SummaryTestReturn = "test_return", SummaryValidationSeeds = "validation_seeds", SummaryTestSeeds = "test_seeds";
    /// <summary>Validation and test seeds live far above the seeds runs are given, apart from each other.</summary>
    private const long ValidationSeedBase = 1_000_000_000, TestSeedBase = 1_500_000_000;

    public IReadOnlyList<long> ValidationSeeds => Seeds(ValidationSeedBase);
    public IReadOnlyList<long> TestSeeds => Seeds(TestSeedBase);
    private List<long> Seeds(long origin) => Enumerable.Range(0, config.ValidationAgents).Select(i => origin + config.Seed % 100_000_000 * 16 + i).ToList();

    public string BestDir => Path.Combine(outDir, RunFolderLayout.BestFolder);

    /// <summary>The best validation so far (resume-safe: read from best.json).</summary>
    public (long MetaStep, double Return)? Best
    {
        get
        {
            var file = Path.Combine(BestDir, RunFolderLayout.BestFile);
            if (!File.Exists(file)) return null;
            var best = JsonNode.Parse(File.ReadAllText(file))!;
            return (best["meta_step"]!.GetValue<long>(), best[RunFolderLayout.MetricValidationReturn]!.GetValue<double>());
        }
    }

    /// <summary>Scores the rule of one meta-step's checkpoint, records validation_return, and keeps it when it is the best so far.</summary>
    public double Validate(long metaStep, string metaNetworkFile)
    {
        var score = Score(metaNetworkFile, ValidationSeeds);
        RunFolder.AppendMetrics(outDir, metaStep, [new(RunFolderLayout.MetricValidationReturn, score)]);
        File.AppendAllText(Path.Combine(outDir, RunFolderLayout.ValidationsFile),
            new JsonObject { ["meta_step"] = metaStep, [RunFolderLayout.MetricValidationReturn] = double.IsFinite(score) ? score : null }.ToJsonString() + "\n");
        // Ties keep the earlier checkpoint; a NaN (no agent finished an episode) is never the best.
        if (double.IsFinite(score) && (Best is not { } best || score > best.Return))
        {
            var tmp = BestDir + ".tmp";
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            File.Copy(metaNetworkFile, Path.Combine(tmp, RunFolderLayout.MetaNetworkFile));
            File.WriteAllText(Path.Combine(tmp, RunFolderLayout.BestFile), new JsonObject { ["meta_step"] = metaStep, [RunFolderLayout.MetricValidationReturn] = score }.ToJsonString());
            if (Directory.Exists(BestDir)) Directory.Delete(BestDir, recursive: true);
            Directory.Move(tmp, BestDir);
        }
        return score;
    }

    /// <summary>The selected rule on the test seeds; adds the selection and the test to the summary.</summary>
    public void Test(JsonObject summary)
    {
        summary[SummaryValidationSeeds] = new JsonArray([.. ValidationSeeds.Select(s => JsonValue.Create(s))]);
        summary[SummaryTestSeeds] = new JsonArray([.. TestSeeds.Select(s => JsonValue.Create(s))]);
        if (Best is not { } best) return;
        var test = Score(Path.Combine(BestDir, RunFolderLayout.MetaNetworkFile), TestSeeds);
        summary[SummaryBestMetaStep] = best.MetaStep;
        summary[SummaryBestValidationReturn] = best.Return;
        summary[SummaryTestReturn] = double.IsFinite(test) ? test : null;
    }

    /// <summary>Mean over fresh agents (one per seed) of their last 100 episodes' return, each trained with the rule in the file.</summary>
    public double Score(string metaNetworkFile, IReadOnlyList<long> seeds)
    {
        var returns = new List<double>();
        for (int i = 0; i < seeds.Count; i++)
        {
            var train = TrainConfig.FromOptions(config.Envs[i % config.Envs.Length], RuleReference.NpzPrefix + Path.GetFullPath(metaNetworkFile),
                config.ValidationSteps, seeds[i], config.Device, rollout: config.RolloutLength, segments: config.Segments, lossMask: config.LossMask,
                batch: config.BatchSize, learningRate: config.InnerLearningRate) with { Network = config.Network };
            returns.Add(Trainer.Create(train, outDir: null).Run().FinalReturn);
        }
        var finite = returns.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? double.NaN : finite.Average();
    }
}
