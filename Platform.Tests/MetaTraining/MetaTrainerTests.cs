using System.Text.Json.Nodes;
using Platform.Data.Npz;
using Platform.Tests.Learning;
using Platform.Tests.UpdateRules;
using Platform.Workers.Agents;
using Platform.Workers.MetaTraining;
using Platform.Workers.UpdateRules.Disco;

namespace Platform.Tests.MetaTraining;

/// <summary>
/// The population meta-trainer on a tiny configuration (Catch 5×5, 4 environments per agent, T = 4, K = 2, an
/// 8-unit torso): η moves, checkpoints are the Disco103 layout and reload bit-identically, resume is bit-for-bit,
/// agents are replaced after their lifetime, and the CLI rejects bad options with exit code 2.
/// </summary>
[Collection("Learning")]
public sealed class MetaTrainerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "meta-train-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    private static MetaTrainConfig Tiny(long metaSteps, long lifetime = 0) => new()
    {
        Envs = ["catch/5x5", "catch/8x8"],
        Init = "random",
        MetaSteps = metaSteps,
        Seed = 3,
        Agents = 2,
        InnerSteps = 2,
        RolloutLength = 4,
        Segments = Platform.Data.Runs.TrainOptions.ReferenceSegments,     // the CLI's defaults (the reference's)
        LossMask = Platform.Data.Runs.TrainOptions.MaskEpisodeStarts,
        BatchSize = 4,
        Lifetime = lifetime,
        Network = new AgentNetworkConfig { Dense = [8], ModelLstm = 4, ModelHeadHidden = [4] },
        Value = new MetaValueSettings(Dense: [16]),
        CheckpointEvery = 2,
    };

    private static Dictionary<string, NpyArray> Arrays(string path) => Npz.Read(path).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static void AssertSameArrays(string expectedPath, string actualPath)
    {
        var expected = Arrays(expectedPath);
        var actual = Arrays(actualPath);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            Assert.Equal(e.Shape, a.Shape);
            Assert.Equal(e.Data.GetType(), a.Data.GetType());
            Assert.True(NpyArrayBytes(e).SequenceEqual(NpyArrayBytes(a)), $"{Path.GetFileName(actualPath)}: {name} differs");
        }
    }

    private static byte[] NpyArrayBytes(NpyArray a)
    {
        var data = a.Data;
        var bytes = new byte[Buffer.ByteLength(data)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    [Fact]
    public void A_meta_step_moves_eta_and_checkpoints_are_the_Disco103_layout()
    {
        var dir = Path.Combine(_root, "run");
        var trainer = MetaTrainer.Create(Tiny(metaSteps: 2), dir);
        var initial = Path.Combine(dir, "checkpoints", "meta-step-000000000000", MetaTrainer.MetaNetworkFile);
        Assert.True(File.Exists(initial), "the initial rule is not checkpointed");
        var result = trainer.Run();
        Assert.False(result.Interrupted);
        var final = Path.Combine(dir, "checkpoints", "meta-step-000000000002", MetaTrainer.MetaNetworkFile);
        Assert.Equal("meta-step-000000000002", File.ReadAllText(Path.Combine(dir, "checkpoints", "latest")).Trim());

        // Same names, shapes and dtypes as the released Disco103 file, and the shape-checking loader accepts it.
        var released = Arrays(TestPaths.Disco103Weights);
        var saved = Arrays(final);
        Assert.Equal(released.Keys.Order(), saved.Keys.Order());
        foreach (var (name, r) in released)
        {
            Assert.Equal(r.Shape, saved[name].Shape);
            Assert.Equal(r.Data.GetType(), saved[name].Data.GetType());
        }
        using var reloaded = DiscoMetaParameters.Load(final);

        // Bit-identical to the trainer's η, and different from the initial rule (the meta step moved it).
        var live = trainer.MetaParameters.ToArrays().ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (name, a) in reloaded.ToArrays())
            Assert.True(NpyArrayBytes(a).SequenceEqual(NpyArrayBytes(live[name])), $"{name} did not reload bit-identically");
        var start = Arrays(initial);
        Assert.Contains(saved, kv => !NpyArrayBytes(kv.Value).SequenceEqual(NpyArrayBytes(start[kv.Key])));

        // Metrics: one line per meta step with the meta-metrics the platform shows.
        var lines = File.ReadAllLines(Path.Combine(dir, MetaTrainer.MetricsFile));
        Assert.Equal(2, lines.Length);
        foreach (var key in new[] { "\"meta_loss\"", "\"meta_grad_norm\"", "\"meta_update_norm\"", "\"env_steps\"" })
            Assert.Contains(key, lines[^1]);
        Assert.True(File.Exists(Path.Combine(dir, MetaTrainer.SummaryFile)));
    }

    [Fact]
    public void Resume_continues_bit_for_bit()
    {
        var straight = Path.Combine(_root, "straight");
        MetaTrainer.Create(Tiny(metaSteps: 4), straight).Run();

        var split = Path.Combine(_root, "split");
        MetaTrainer.Create(Tiny(metaSteps: 2), split).Run();
        var resumed = MetaTrainer.Resume(split, metaSteps: 4);
        Assert.Equal(2, resumed.MetaStep);
        resumed.Run();

        foreach (var file in new[] { MetaTrainer.MetaNetworkFile, "meta_optimizer.npz", "agents.npz" })
            AssertSameArrays(Path.Combine(straight, "checkpoints", "meta-step-000000000004", file),
                             Path.Combine(split, "checkpoints", "meta-step-000000000004", file));
    }

    [Fact]
    public void Agents_are_replaced_after_their_lifetime()
    {
        var dir = Path.Combine(_root, "lifetime");
        // Lifetime 4 inner steps = 2 meta steps of K = 2, ages staggered: agent 0 starts at age 0, agent 1 at age 2.
        // After 3 meta steps agent 0 is 2 steps into its second life; agent 1 has just started its third.
        var trainer = MetaTrainer.Create(Tiny(metaSteps: 3, lifetime: 4), dir);
        trainer.Run();
        var state = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "checkpoints", "meta-step-000000000003", "state.json")))!;
        var agents = state["agents"]!.AsArray();
        Assert.Equal(1, agents[0]!["generation"]!.GetValue<int>());
        Assert.Equal(2, agents[0]!["inner_steps"]!.GetValue<long>());
        Assert.Equal(2, agents[0]!["adam_count"]!.GetValue<long>());
        Assert.Equal(2, agents[1]!["generation"]!.GetValue<int>());
        Assert.Equal(0, agents[1]!["inner_steps"]!.GetValue<long>());
        Assert.Equal(0, agents[1]!["adam_count"]!.GetValue<long>());
    }

    [Fact]
    public void Meta_gradient_clipping_bounds_each_agents_contribution()
    {
        var dir = Path.Combine(_root, "clip");
        MetaTrainer.Create(Tiny(metaSteps: 1) with { MetaGradClip = 1e-9 }, dir).Run();
        var values = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllLines(Path.Combine(dir, MetaTrainer.MetricsFile))[^1])!["values"]!;
        Assert.Equal(1.0, values["meta_grad_clipped"]!.GetValue<double>());
        Assert.True(values["agent_meta_grad_norm"]!.GetValue<double>() > 1e-9, "the unclipped norm is not above the threshold");
        // The mean of two vectors of norm ≤ 1e-9 has norm ≤ 1e-9 (float32 rounding aside).
        Assert.InRange(values["meta_grad_norm"]!.GetValue<double>(), 0, 1.001e-9);
    }

    [Fact]
    public void An_initial_action_bias_reaches_the_random_rule_and_its_pi_hat_spread_is_logged()
    {
        var dir = Path.Combine(_root, "bias");
        var trainer = MetaTrainer.Create(Tiny(metaSteps: 1) with { InitActionBias = 0.2 }, dir);
        var initial = Arrays(Path.Combine(dir, "checkpoints", "meta-step-000000000000", MetaTrainer.MetaNetworkFile));
        foreach (var name in Platform.Data.MetaNetworks.DiscoArchitecture.PolicyActionPathway)
            Assert.All((float[])initial[name + "/b"].Data, b => Assert.Equal(0.2f, b));
        trainer.Run();
        Assert.Equal(0.2, MetaTrainer.ReadConfig(dir).InitActionBias);     // run.json records it
        var values = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllLines(Path.Combine(dir, MetaTrainer.MetricsFile))[^1])!["values"]!;
        Assert.True(values["pi_hat_spread"]!.GetValue<double>() > 0, "π̂'s logits differ across actions when the pathway is on");
    }

    [Fact]
    public void The_action_pathway_lr_scale_shrinks_only_that_pathways_meta_update()
    {
        // Same seed, same rollouts, so the same first meta-gradient: Adam's first step is lr × m̂ / (√v̂ + ε) elementwise,
        // so the pathway's step under scale 0.25 is a quarter of its step under 1, and every other array's is identical.
        Dictionary<string, NpyArray> Step(double scale, string name)
        {
            var dir = Path.Combine(_root, name);
            MetaTrainer.Create(Tiny(metaSteps: 1) with { InitActionBias = 0.2, ActionPathwayLrScale = scale }, dir).Run();
            Assert.Equal(scale, MetaTrainer.ReadConfig(dir).ActionPathwayLrScale);   // run.json records it
            return Arrays(Path.Combine(dir, "checkpoints", "meta-step-000000000001", MetaTrainer.MetaNetworkFile));
        }
        var full = Step(1, "full");
        var initial = Arrays(Path.Combine(_root, "full", "checkpoints", "meta-step-000000000000", MetaTrainer.MetaNetworkFile));
        var quarter = Step(0.25, "quarter");
        int pathwayArrays = 0, moved = 0;
        foreach (var (name, start) in initial)
        {
            var a = (float[])start.Data;
            var f = (float[])full[name].Data;
            var q = (float[])quarter[name].Data;
            bool pathway = Platform.Data.MetaNetworks.DiscoArchitecture.PolicyActionPathway.Any(p => name.StartsWith(p + "/", StringComparison.Ordinal));
            if (pathway) pathwayArrays++;
            for (int i = 0; i < a.Length; i++)
            {
                double stepFull = f[i] - a[i], stepQuarter = q[i] - a[i];
                if (pathway) Assert.Equal(stepFull * 0.25, stepQuarter, tolerance: 1e-7);  // float32 rounding of the stored values
                else Assert.Equal(f[i], q[i]);
                if (pathway && Math.Abs(stepFull) > 1e-5) moved++;
            }
        }
        Assert.Equal(Platform.Data.MetaNetworks.DiscoArchitecture.PolicyActionPathway.Count * 2, pathwayArrays); // weights and biases
        Assert.True(moved > 0, "the pathway did not move under the full learning rate");
    }

    [Fact]
    public void A_larger_adam_eps_for_the_action_pathway_shrinks_only_its_small_gradient_steps()
    {
        // Adam's first step is lr × g / (|g| + ε) elementwise: with optax's ε (1e-8) about lr × sign(g); with ε = 1 on the
        // pathway, lr × g / (|g| + 1), never larger and much smaller where |g| ≪ 1. Every other array steps identically.
        Dictionary<string, NpyArray> Step(double eps, string name)
        {
            var dir = Path.Combine(_root, name);
            MetaTrainer.Create(Tiny(metaSteps: 1) with { InitActionBias = 0.2, ActionPathwayAdamEps = eps }, dir).Run();
            Assert.Equal(eps, MetaTrainer.ReadConfig(dir).ActionPathwayAdamEps);   // run.json records it
            return Arrays(Path.Combine(dir, "checkpoints", "meta-step-000000000001", MetaTrainer.MetaNetworkFile));
        }
        var standard = Step(Platform.Data.Runs.MetaTrainOptions.ActionPathwayAdamEps.DoubleDefault, "eps-standard");
        var initial = Arrays(Path.Combine(_root, "eps-standard", "checkpoints", "meta-step-000000000000", MetaTrainer.MetaNetworkFile));
        var large = Step(1, "eps-large");
        double standardSteps = 0, largeSteps = 0;
        foreach (var (name, start) in initial)
        {
            var a = (float[])start.Data;
            var f = (float[])standard[name].Data;
            var l = (float[])large[name].Data;
            bool pathway = Platform.Data.MetaNetworks.DiscoArchitecture.PolicyActionPathway.Any(p => name.StartsWith(p + "/", StringComparison.Ordinal));
            for (int i = 0; i < a.Length; i++)
            {
                if (!pathway) { Assert.Equal(f[i], l[i]); continue; }
                double stepStandard = Math.Abs(f[i] - a[i]), stepLarge = Math.Abs(l[i] - a[i]);
                Assert.True(stepLarge <= stepStandard + 1e-7, $"{name}[{i}]: {stepLarge} > {stepStandard}");
                (standardSteps, largeSteps) = (standardSteps + stepStandard, largeSteps + stepLarge);
            }
        }
        Assert.True(standardSteps > 0, "the pathway did not move");
        Assert.True(largeSteps < 0.5 * standardSteps, $"the pathway's steps with ε = 1 ({largeSteps}) are not much smaller than with 1e-8 ({standardSteps})");
    }

    [Fact]
    public void A_meta_lr_warmup_scales_the_first_meta_steps_by_their_share_of_it()
    {
        // Adam's first step is lr × m̂ / (√v̂ + ε) elementwise: with a warm-up of 4 meta-steps the first takes a quarter of the
        // learning rate, so every array moves a quarter as far as without; meta_lr logs the rate each step used.
        Dictionary<string, NpyArray> First(long warmup, string name)
        {
            var dir = Path.Combine(_root, name);
            MetaTrainer.Create(Tiny(metaSteps: 2) with { MetaLrWarmup = warmup, CheckpointEvery = 1 }, dir).Run();
            Assert.Equal(warmup, MetaTrainer.ReadConfig(dir).MetaLrWarmup);   // run.json records it
            return Arrays(Path.Combine(dir, "checkpoints", "meta-step-000000000001", MetaTrainer.MetaNetworkFile));
        }
        var full = First(0, "warmup-none");
        var initial = Arrays(Path.Combine(_root, "warmup-none", "checkpoints", "meta-step-000000000000", MetaTrainer.MetaNetworkFile));
        var warm = First(4, "warmup-4");
        int moved = 0;
        foreach (var (name, start) in initial)
        {
            var (a, f, w) = ((float[])start.Data, (float[])full[name].Data, (float[])warm[name].Data);
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal((f[i] - a[i]) * 0.25, w[i] - a[i], tolerance: 2e-7);   // float32 rounding of the stored values
                if (Math.Abs(f[i] - a[i]) > 1e-5) moved++;
            }
        }
        Assert.True(moved > 100, $"only {moved} elements moved");
        var rates = File.ReadLines(Path.Combine(_root, "warmup-4", "metrics.jsonl")).Select(l => JsonNode.Parse(l)!)
            .Where(r => r["values"]!["meta_lr"] is not null).Select(r => (double)r["values"]!["meta_lr"]!).ToList();
        var lr = Tiny(metaSteps: 1).MetaLearningRate;
        Assert.Equal([lr / 4, lr / 2], rates, (x, y) => Math.Abs(x - y) < 1e-15);
    }

    [Fact]
    public void Pathway_attribution_splits_the_pathways_meta_gradient_by_term_and_changes_nothing_else()
    {
        // Two meta-steps each way: the split on step 2 only; η after both is the same bit for bit (the diagnostic only reads
        // gradients), and the logged shares of the five terms sum to 1.
        var plain = Path.Combine(_root, "attribution-off");
        var split = Path.Combine(_root, "attribution-on");
        MetaTrainer.Create(Tiny(metaSteps: 2) with { InitActionBias = 0.2 }, plain).Run();
        MetaTrainer.Create(Tiny(metaSteps: 2) with { InitActionBias = 0.2, PathwayAttributionEvery = 2 }, split).Run();
        Assert.Equal(2, MetaTrainer.ReadConfig(split).PathwayAttributionEvery);
        var a = Arrays(Path.Combine(plain, "checkpoints", "meta-step-000000000002", MetaTrainer.MetaNetworkFile));
        var b = Arrays(Path.Combine(split, "checkpoints", "meta-step-000000000002", MetaTrainer.MetaNetworkFile));
        foreach (var (name, array) in a) Assert.Equal((float[])array.Data, (float[])b[name].Data);

        var rows = File.ReadLines(Path.Combine(split, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Dictionary<string, double> At(long step) => rows.Where(r => (long)r["step"]! == step)
            .SelectMany(r => r["values"]!.AsObject()).ToDictionary(kv => kv.Key, kv => (double)kv.Value!);
        Assert.DoesNotContain(At(1).Keys, k => k.StartsWith("pathway_", StringComparison.Ordinal));
        var logged = At(2);
        var shares = MetaGradient.TermNames.Select(n => logged["pathway_share_" + n]).ToList();
        Assert.Equal(1.0, shares.Sum(), 6);
        Assert.Contains(shares, s => Math.Abs(s) > 1e-3);
        Assert.True(logged["pathway_grad_norm"] > 0);
        Assert.All(MetaGradient.TermNames, n => Assert.True(double.IsFinite(logged["pathway_bias_grad_" + n])));
    }

    [Fact]
    public void The_inner_learner_cuts_and_masks_rollouts_as_the_reference_and_old_run_folders_keep_theirs()
    {
        // The CLI's defaults: 16-state rollouts hold 15 transitions (validation: 32 states, 31), the next starts after
        // the last state, and the inner loss leaves out episode starts; run.json records both.
        var dir = Path.Combine(_root, "conventions");
        var (code, stdout, err) = Cli("meta-train", "--envs", "catch/5x5", "--out", dir, "--meta-steps", "1", "--agents", "1",
            "--batch", "2", "--net", "small");
        Assert.True(code == 0, err);
        Assert.Contains("rollout=16 segments=reference loss_mask=episode-starts", stdout);
        var config = MetaTrainer.ReadConfig(dir);
        Assert.Equal((15, 31, true, true), (config.TransitionsOf(config.RolloutLength), config.TransitionsOf(2 * config.RolloutLength),
            config.StepsPastRolloutEnd, config.MasksEpisodeStarts));

        // A run.json from before the options: overlapping rollouts of T transitions, every step's loss.
        var old = Path.Combine(_root, "old");
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, MetaTrainer.RunFile), """{"config": {"envs": ["catch/5x5"], "rollout_length": 16}}""");
        var oldConfig = MetaTrainer.ReadConfig(old);
        Assert.Equal((16, false, false), (oldConfig.TransitionsOf(16), oldConfig.StepsPastRolloutEnd, oldConfig.MasksEpisodeStarts));

        // The masked mean counts only the kept steps: whatever the loss at a masked step, it does not move the mean.
        using var perStep = TorchSharp.torch.tensor(new float[] { 1, 1000, 3, 5 }, [2, 2]);                         // [T, B]
        using var mask = TorchSharp.torch.tensor(new float[] { 1, 0, 1, 1 }, [2, 2]);
        var r = new RolloutTensors(TorchSharp.torch.zeros(3, 2), TorchSharp.torch.zeros(3, 2), TorchSharp.torch.zeros(3, 2, 1), TorchSharp.torch.zeros(2, 2), TorchSharp.torch.zeros(2, 2), mask);
        Assert.Equal(3.0, r.MaskedMean(perStep).item<float>(), 5);
        Assert.Equal(252.25, (r with { LossMask = null }).MaskedMean(perStep).item<float>(), 3);
    }

    private static (int Code, string Out, string Err) Cli(params string[] args) => WorkerCli.Run(args);

    [Theory]
    [InlineData("meta-train", "--meta-steps", "5", "--out", "X")]
    [InlineData("meta-train", "--envs", "catch/5x5")]
    [InlineData("meta-train", "--envs", "catch/5x5,nope/1", "--out", "X")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--init", "sarsa")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--init", "npz:/does/not/exist.npz")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--meta-steps", "0")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--agents", "0")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--inner-lr", "-1")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--net", "huge")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--meta-grad-clip", "-1")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--target-kl-cost", "-0.5")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--entropy-cost", "Infinity")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--device", "tpu")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--init-action-bias", "-0.1")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--init", "disco103", "--init-action-bias", "0.1")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--action-pathway-lr-scale", "0")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--action-pathway-adam-eps", "2")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--pathway-attribution-every", "-1")]
    [InlineData("meta-train", "--envs", "catch/5x5", "--out", "X", "--meta-lr-warmup", "-1")]
    [InlineData("meta-train", "--resume", "/does/not/exist")]
    public void Invalid_options_exit_2_with_one_line(params string[] args) => WorkerCli.AssertUsageError(args);

    [Fact]
    public void A_corrupt_init_file_is_refused_with_exit_2()
    {
        Directory.CreateDirectory(_root);
        var bad = Path.Combine(_root, "bad.npz");
        File.WriteAllBytes(bad, "PK\u0003\u0004 not really a zip"u8.ToArray());
        var (code, _, err) = Cli("meta-train", "--envs", "catch/5x5", "--out", Path.Combine(_root, "never"), "--init", "npz:" + bad);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", err.Trim());
    }
}
