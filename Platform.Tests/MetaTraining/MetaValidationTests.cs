using System.Text.Json;
using Platform.Data.Runs;
using Platform.Tests.Learning;
using Platform.Workers.MetaTraining;

namespace Platform.Tests.MetaTraining;

/// <summary>
/// Meta-validation and checkpoint selection (issue #18, item 1), through the meta-train verb as a child process: the rule
/// is validated at meta-step 0, every M steps and at the end; the kept rule is the best-validated one, byte for byte; its
/// final test uses seeds disjoint from the validation seeds.
/// </summary>
public sealed class MetaValidationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "meta-validation-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public void TheBestValidatedRuleIsKeptAndTestedOnSeedsItWasNotSelectedBy()
    {
        // Disco103 as the initial rule, a meta learning rate large enough that the rule changes between validations.
        var (code, _, err) = WorkerCli.Run("meta-train", "--envs", "catch/5x5", "--init", "disco103", "--seed", "3", "--meta-steps", "4", "--agents", "2",
            "--net", "small", "--batch", "4", "--inner-steps", "2", "--meta-lr", "0.01", "--checkpoint-every", "2", "--validate-every", "2",
            "--validation-agents", "2", "--validation-steps", "600", "--threads", "1", "--out", _dir);
        Assert.True(code == 0, err);

        var validations = File.ReadLines(Path.Combine(_dir, RunFolderLayout.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("values").TryGetProperty(RunFolderLayout.MetricValidationReturn, out _))
            .Select(l => (Step: l.GetProperty("step").GetInt64(), Return: l.GetProperty("values").GetProperty(RunFolderLayout.MetricValidationReturn).GetDouble()))
            .ToList();
        Assert.Equal([0L, 2L, 4L], validations.Select(v => v.Step));
        Assert.All(validations, v => Assert.True(double.IsFinite(v.Return)));

        // The kept rule is the first best-validated checkpoint's meta-network, byte for byte.
        var best = validations.First(v => v.Return == validations.Max(x => x.Return));
        var kept = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, RunFolderLayout.BestFolder, RunFolderLayout.BestFile))).RootElement;
        Assert.Equal(best.Step, kept.GetProperty("meta_step").GetInt64());
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, RunFolderLayout.CheckpointsFolder, RunFolderLayout.MetaCheckpointName(best.Step), RunFolderLayout.MetaNetworkFile)),
            File.ReadAllBytes(Path.Combine(_dir, RunFolderLayout.BestFolder, RunFolderLayout.MetaNetworkFile)));

        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, RunFolderLayout.SummaryFile))).RootElement;
        Assert.Equal(best.Step, summary.GetProperty(MetaValidation.SummaryBestMetaStep).GetInt64());
        Assert.Equal(best.Return, summary.GetProperty(MetaValidation.SummaryBestValidationReturn).GetDouble());
        Assert.True(double.IsFinite(summary.GetProperty(MetaValidation.SummaryTestReturn).GetDouble()));
        long[] Seeds(string key) => summary.GetProperty(key).EnumerateArray().Select(s => s.GetInt64()).ToArray();
        var (validation, test) = (Seeds(MetaValidation.SummaryValidationSeeds), Seeds(MetaValidation.SummaryTestSeeds));
        Assert.Equal(2, validation.Length);
        Assert.Equal(2, test.Length);
        Assert.Empty(validation.Intersect(test));
        Assert.DoesNotContain(3L, validation.Concat(test));
    }
}
