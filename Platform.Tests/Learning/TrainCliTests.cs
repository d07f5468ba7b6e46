using Platform.Data.Runs;

namespace Platform.Tests.Learning;

/// <summary>The train and evaluate verbs as a child process: option errors are one line and exit code 2; a tiny run and its evaluation.</summary>
public sealed class TrainCliTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "learn-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    private static (int Code, string Out, string Err) Cli(params string[] args) => WorkerCli.Run(args);

    [Theory]
    [InlineData("train", "--rule", "disco103", "--out", "X")]
    [InlineData("train", "--env", "nope/1", "--out", "X")]
    [InlineData("train", "--env", "catch/8x8")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--rule", "sarsa")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--rule", "npz:/does/not/exist.npz")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--steps", "0")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--device", "tpu")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--net", "huge")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--batch", "8", "--replay-ratio", "16")]
    [InlineData("train", "--resume", "/does/not/exist")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--steps", "many")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--no-such-option", "1")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--lr=--out=/tmp/x")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--segments", "sideways")]
    [InlineData("train", "--env", "catch/8x8", "--out", "X", "--loss-mask", "all")]
    [InlineData("evaluate", "--episodes", "5")]
    [InlineData("evaluate", "--checkpoint", "/does/not/exist")]
    [InlineData("replay", "--checkpoint", "/does/not/exist", "--out", "X")]
    [InlineData("replay", "--env", "catch/5x5", "--greedy", "--out", "X")]
    [InlineData("replay", "--env", "catch/5x5")]
    [InlineData("replay", "--out", "X")]
    public void Invalid_options_exit_2_with_one_line(params string[] args) => WorkerCli.AssertUsageError(args);

    public static TheoryData<string> ProcGenGames() =>
        new(Platform.Data.Environments.EnvironmentCatalog.All.Where(e => e.HasTestLevels).Select(e => e.Id));

    [Theory]
    [MemberData(nameof(ProcGenGames))]
    public void A_ProcGen_run_records_its_training_levels_and_evaluates_on_train_or_test_levels(string env)
    {
        var dir = Path.Combine(_root, env.Replace('/', '-'));
        var (code, stdout, err) = Cli("train", "--env", env, "--rule", "actor-critic", "--steps", "300", "--out", dir,
            "--net", "small", "--batch", "8", "--replay-ratio", "4", "--rollout", "10", "--train-levels", "2");
        Assert.True(code == 0, err);
        Assert.Equal(2, Platform.Workers.Learning.Trainer.ReadConfig(dir).TrainLevels);
        // ProcGen's protocol at the end of the run: the final policy on its training levels and on unseen ones.
        var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, RunFolderLayout.SummaryFile))).RootElement;
        foreach (var key in new[] { RunFolderLayout.FinalReturnTrainLevels, RunFolderLayout.FinalReturnTestLevels })
        {
            Assert.True(double.IsFinite(summary.GetProperty(key).GetDouble()), key);
            Assert.Contains($"\"{key}\"", File.ReadLines(Path.Combine(dir, RunFolderLayout.MetricsFile)).Last());
        }

        foreach (var levels in new[] { "train", "test" })
        {
            (code, stdout, err) = Cli("evaluate", "--checkpoint", dir, "--episodes", "4", "--levels", levels);
            Assert.True(code == 0, err);
            Assert.Contains($"levels={levels} train_levels=2", stdout);
            Assert.Matches(@"^mean_return=-?[0-9.]+(E-?[0-9]+)? episodes=4$", stdout.Trim().Split('\n')[^1]);
        }
        WorkerCli.AssertUsageError(["evaluate", "--checkpoint", dir, "--levels", "unseen"]);
    }

    [Fact]
    public void Bench_learner_measures_the_learner_with_the_train_defaults()
    {
        var (code, stdout, err) = Cli("bench-learner", "--env", "catch/5x5", "--net", "small", "--batch", "8", "--iterations", "2");
        Assert.True(code == 0, err);
        Assert.Contains("batch=8 replay_ratio=8 actors=1 rollout=29 segments=reference", stdout);
        Assert.Matches(@"learner_updates_per_s=[0-9.]+", stdout);
        WorkerCli.AssertUsageError(["bench-learner", "--env", "nope/1"]);
    }

    [Fact]
    public void Train_then_evaluate_prints_mean_return_last()
    {
        var dir = Path.Combine(_root, "run");
        var (code, stdout, err) = Cli("train", "--env", "catch/8x8", "--rule", "actor-critic", "--steps", "600", "--out", dir,
            "--net", "small", "--batch", "8", "--replay-ratio", "4", "--rollout", "10");
        Assert.True(code == 0, err);
        Assert.Contains("done steps=600", stdout);
        Assert.DoesNotContain(RunFolderLayout.FinalReturnTestLevels, File.ReadAllText(Path.Combine(dir, RunFolderLayout.SummaryFile))); // not ProcGen

        // The run's final score is evaluate's unbiased estimate (a fixed share of episodes per parallel environment) of
        // the final policy, with evaluate's defaults: the same number `evaluate --episodes N` prints.
        var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, RunFolderLayout.SummaryFile))).RootElement;
        Assert.Equal(TrainOptions.FinalEvaluationEpisodes, summary.GetProperty(RunFolderLayout.SummaryFinalEvalEpisodes).GetInt32());
        (code, stdout, err) = Cli("evaluate", "--checkpoint", dir, "--episodes", TrainOptions.FinalEvaluationEpisodes.ToString());
        Assert.True(code == 0, err);
        Assert.Equal(RunFolderLayout.EvaluateResultLine(summary.GetProperty(RunFolderLayout.SummaryFinalEvalReturn).GetDouble(), TrainOptions.FinalEvaluationEpisodes),
            stdout.Trim().Split('\n')[^1]);

        // With --out (as the platform's evaluate runs): each episode's return is a metric point, step = its number.
        var evalDir = Path.Combine(_root, "evaluation");
        (code, stdout, err) = Cli("evaluate", "--checkpoint", dir, "--episodes", "20", "--greedy", "--out", evalDir);
        Assert.True(code == 0, err);
        var last = stdout.Trim().Split('\n')[^1];
        Assert.Matches(@"^mean_return=-?[0-9.]+(E-?[0-9]+)? episodes=20$", last);
        var episodes = File.ReadLines(Path.Combine(evalDir, RunFolderLayout.MetricsFile))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(l => (Step: l.GetProperty("step").GetInt64(), Return: l.GetProperty("values").GetProperty(RunFolderLayout.MetricEvaluationReturn).GetDouble()))
            .ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), episodes.Select(e => e.Step));
        Assert.Equal(RunFolderLayout.ParseEvaluateResult([last])!.Value.MeanReturn, episodes.Average(e => e.Return), tolerance: 1e-4);
    }

    [Fact]
    public void Replay_of_a_trained_checkpoint_writes_a_gif_and_refuses_bad_checkpoints()
    {
        var dir = Path.Combine(_root, "run");
        var (code, _, err) = Cli("train", "--env", "catch/5x5", "--rule", "actor-critic", "--steps", "300", "--out", dir,
            "--net", "small", "--batch", "8", "--replay-ratio", "4", "--rollout", "10");
        Assert.True(code == 0, err);

        // The run folder (latest checkpoint) and one step folder both load; the agent acts, greedy or sampled.
        var gif = Path.Combine(_root, "replays", "agent.gif");
        (code, var stdout, err) = Cli("replay", "--checkpoint", dir, "--greedy", "--frames", "40", "--out", gif);
        Assert.True(code == 0, err);
        Assert.Contains("catch/5x5 agent (greedy): 40 frames", stdout);
        var bytes = File.ReadAllBytes(gif);
        Assert.Equal("GIF89a", System.Text.Encoding.ASCII.GetString(bytes, 0, 6));
        Assert.Equal(0x3B, bytes[^1]); // trailer: a complete file
        Assert.False(File.Exists(gif + ".tmp"));
        var step = Path.Combine(dir, "checkpoints", File.ReadAllText(Path.Combine(dir, "checkpoints", "latest")).Trim());
        (code, stdout, err) = Cli("replay", "--checkpoint", step, "--frames", "10", "--out", Path.Combine(_root, "sampled.gif"));
        Assert.True(code == 0, err);
        Assert.Contains("agent (sampled): 10 frames", stdout);

        // Not a checkpoint, a corrupt agent.npz, a policy beside --checkpoint, another shape of environment: exit 2, one line.
        var corrupt = Path.Combine(_root, "corrupt");
        CopyDirectory(dir, corrupt);
        File.WriteAllText(Path.Combine(corrupt, "checkpoints", Path.GetFileName(step), "agent.npz"), "not a zip");
        foreach (var args in new[]
                 {
                     new[] { "replay", "--checkpoint", _root, "--out", gif },
                     ["replay", "--checkpoint", corrupt, "--out", gif],
                     ["replay", "--checkpoint", dir, "--policy", "random", "--out", gif],
                     ["replay", "--checkpoint", dir, "--env", "minatar/breakout", "--out", gif],
                 })
        {
            (code, _, err) = Cli(args);
            Assert.True(code == 2, $"{string.Join(' ', args)} -> {code}: {err}");
            Assert.Single(err.Trim().Split('\n'));
            Assert.StartsWith("error:", err.Trim());
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }
}
