using Platform.Workers.Agents;
using Platform.Workers.Learning;
using TorchSharp;

namespace Platform.Tests.Learning;

/// <summary>N steps straight vs N/2, checkpoint, resume in a fresh trainer, N/2 more: identical parameters (CPU).</summary>
[Collection("Learning")]
public sealed class ResumeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "learn-resume-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    /// <summary>With <paramref name="reference"/>: the reference's segmentation and loss mask (the defaults); else a run.json from before them.</summary>
    private static TrainConfig Config(string rule, long steps, bool reference) => new()
    {
        Segments = reference ? Platform.Data.Runs.TrainOptions.ReferenceSegments : null,
        LossMask = reference ? Platform.Data.Runs.TrainOptions.MaskEpisodeStarts : null,
        Env = "catch/8x8",
        Rule = rule,
        Steps = steps,
        Seed = 7,
        BatchSize = 8,
        ReplayRatio = 4,
        ReplayCapacity = 32,
        RolloutLength = 9,
        LearningRate = 1e-2,
        Network = AgentNetworkConfig.Small,
        LogEvery = 3,
    };

    [Theory]
    [InlineData("disco103", true)]
    [InlineData("actor-critic", true)]
    [InlineData("ppo", true)]
    [InlineData("disco103", false)]
    public void Resume_continues_bit_for_bit(string rule, bool reference)
    {
        // Replay rules: 2 actors × 9 steps = 18 env steps per iteration; PPO: 8 actors × 9 = 72 (the reference's
        // segmentation keeps 8 transitions of the 9 steps).
        long perIteration = rule == "ppo" ? 72 : 18;
        long n = perIteration * 24, half = perIteration * 12;

        var straightDir = Path.Combine(_root, "straight");
        var straight = Trainer.Create(Config(rule, n, reference), straightDir);
        straight.Run();

        var splitDir = Path.Combine(_root, "split");
        var first = Trainer.Create(Config(rule, half, reference), splitDir);
        first.Run();
        Assert.Equal(half, first.EnvSteps);
        var second = Trainer.Resume(splitDir, n);
        Assert.Equal(half, second.EnvSteps);
        second.Run();

        Assert.True(straight.LearnerSteps > 10);
        Assert.Equal(straight.LearnerSteps, second.LearnerSteps);
        Assert.Equal(straight.EpisodeReturns, second.EpisodeReturns);
        Assert.Equal(straight.Core.Optimizer.Count, second.Core.Optimizer.Count);
        for (int i = 0; i < straight.Core.Parameters.Count; i++)
        {
            Assert.True(Same(straight.Core.Parameters[i], second.Core.Parameters[i]), $"parameter {straight.Core.Network.Specs[i].Name} differs");
            Assert.True(Same(straight.Core.TargetParameters[i], second.Core.TargetParameters[i]), $"target {straight.Core.Network.Specs[i].Name} differs");
        }
        Assert.Equal(straight.Core.Rng.State, second.Core.Rng.State);
        // The parameters moved: the test is not vacuous.
        var fresh = straight.Core.Network.Initialize(7);
        Assert.False(Same(fresh[0], straight.Core.Parameters[0]));
    }

    /// <summary>Bit-for-bit equality of two float tensors.</summary>
    private static bool Same(torch.Tensor a, torch.Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        var x = a.detach().cpu().contiguous().data<float>().ToArray();
        var y = b.detach().cpu().contiguous().data<float>().ToArray();
        return x.Select(BitConverter.SingleToInt32Bits).SequenceEqual(y.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Checkpoint_layout_matches_the_contract()
    {
        var dir = Path.Combine(_root, "layout");
        var t = Trainer.Create(Config("disco103", 18 * 6, reference: true), dir);
        t.Run();
        var latest = File.ReadAllText(Path.Combine(dir, "checkpoints", "latest")).Trim();
        Assert.Equal($"step-{108:D12}", latest);
        foreach (var f in new[] { "agent.npz", "optimizer.npz", "rule_state.npz", "target.npz", "state.json", "replay.npz", "env.npz" })
            Assert.True(File.Exists(Path.Combine(dir, "checkpoints", latest, f)), f);
        Assert.True(File.Exists(Path.Combine(dir, "run.json")));
        Assert.Contains("\"final_return\"", File.ReadAllText(Path.Combine(dir, "summary.json")));
        var lines = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"));
        Assert.NotEmpty(lines);
        // The last training line, then one point at the same step: the final policy's evaluation (the run's score).
        var node = System.Text.Json.Nodes.JsonNode.Parse(lines[^2])!;
        Assert.Equal(108, node["step"]!.GetValue<long>());
        Assert.True(node["time"]!.GetValue<double>() > 1e9);
        Assert.NotNull(node["values"]!["learner_steps"]);
        Assert.NotNull(node["values"]!["steps_per_second"]);
        var final = System.Text.Json.Nodes.JsonNode.Parse(lines[^1])!;
        Assert.Equal(108, final["step"]!.GetValue<long>());
        Assert.NotNull(final["values"]![Platform.Data.Runs.RunFolderLayout.SummaryFinalEvalReturn]);
    }
}
