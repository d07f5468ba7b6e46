using Platform.Data.Runs;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Data.Environments;
using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Environments;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>One progress report of the loop (after each learner iteration).</summary>
public sealed record TrainProgress(long Step, long TotalSteps, long LearnerSteps, int Episodes, double RecentReturn, double StepsPerSecond);

/// <summary>What a finished (or interrupted) run reports.</summary>
public sealed record TrainResult(long Steps, long LearnerSteps, int Episodes, double FinalReturn, bool Interrupted);

/// <summary>
/// The learner loop of the reference harness: batched actors roll out T steps, trajectories go to a replay buffer
/// (or straight to the learner for on-policy rules), and each iteration takes one learner step once the buffer holds
/// a batch. Metrics go to DIR/metrics.jsonl, checkpoints to DIR/checkpoints/step-XXXXXXXXXXXX (atomic rename) with
/// DIR/checkpoints/latest naming the newest. All randomness comes from seeded streams whose state is checkpointed;
/// environments are restored by replaying the recorded action history (they are deterministic in (seed, actions)),
/// so a resumed run continues bit-for-bit on the same machine and thread count.
/// </summary>
public sealed class Trainer
{
    public const string RunFile = RunFolder.RunFile, MetricsFile = RunFolder.MetricsFile, SummaryFile = RunFolder.SummaryFile;
    private static JsonSerializerOptions Json => RunFolder.Json;

    private readonly ActorPool _actors;
    private readonly ReplayBuffer? _replay;
    private readonly int _numEnvs;
    private Dictionary<string, double> _lastLogs = [];

    public TrainConfig Config { get; }
    public string? OutDir { get; }
    public ILearnerRule Rule { get; }
    public LearnerCore Core { get; }
    public EnvironmentSpec Spec { get; }
    public double LearningRate { get; }
    public long EnvSteps => _actors.EnvSteps;
    public long LearnerSteps { get; private set; }
    public IReadOnlyList<float> EpisodeReturns => _actors.EpisodeReturns;
    public int ActorEnvironments => _numEnvs;
    /// <summary>Iterations between metrics lines: the configuration's, or the one chosen from the budget.</summary>
    public int LogEvery => Config.LogEvery!.Value;

    private Trainer(TrainConfig config, string? outDir)
    {
        config.Validate();
        OutDir = outDir;
        var device = TorchDevices.Parse(config.Device);
        Spec = EnvironmentRegistry.Get(config.Env);
        Rule = LearnerRules.Create(config.Rule, device, config.EntropyCost);
        _numEnvs = Rule.UsesReplay ? Math.Max(1, config.BatchSize / config.ReplayRatio) : config.BatchSize;
        // The interval from the budget is fixed here, where the steps per iteration are known, and written to run.json.
        Config = config with { LogEvery = config.LogEvery ?? TrainOptions.DefaultLogEvery(config.Steps, (long)_numEnvs * config.EnvStepsPerRollout) };
        _actors = new ActorPool(config.Env, _numEnvs, (ulong)config.Seed, config.EnvironmentOptions());
        if (Rule.UsesReplay) _replay = new ReplayBuffer(config.ReplayCapacity, config.Transitions, Spec.ObservationSize, Spec.ActionCount);

        var network = new AgentNetwork(config.Network, Rule.Heads(Spec.ActionCount), Spec.ObservationShape.ToArray());
        var parameters = network.Initialize(config.Seed, device);
        foreach (var p in parameters) p.requires_grad_(true);
        List<Tensor> target;
        using (no_grad()) target = parameters.Select(p => p.detach().clone()).ToList();
        LearningRate = config.LearningRate ?? Rule.DefaultLearningRate;
        Core = new LearnerCore
        {
            Network = network, Parameters = parameters, TargetParameters = target,
            Optimizer = AdamState.Zeros(parameters),
            OptimizerSettings = new AdamClipSettings(LearningRate, MaxAbsUpdate: config.MaxAbsUpdate),
            Device = device, Rng = new LearnerRng(Mix((ulong)config.Seed)), ObservationShape = Spec.ObservationShape.ToArray(),
            MaskEpisodeStarts = config.MasksEpisodeStarts,
        };
        Rule.Initialize(Core);
    }

    private static ulong Mix(ulong seed) { ulong s = seed ^ 0x5DEECE66DUL; return new LearnerRng(s).NextUInt64(); }

    /// <summary>A fresh run; with an output folder it writes run.json there (metrics and checkpoints go there too).</summary>
    public static Trainer Create(TrainConfig config, string? outDir)
    {
        var trainer = new Trainer(config, outDir);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, RunFile), trainer.RunJson());
            File.WriteAllText(Path.Combine(outDir, MetricsFile), "");
        }
        return trainer;
    }

    /// <summary>Continues the run in <paramref name="outDir"/> from its latest checkpoint, optionally to a new step total.</summary>
    public static Trainer Resume(string outDir, long? steps = null)
    {
        var config = ReadConfig(outDir);
        if (steps is { } s) config = config with { Steps = s };
        var checkpoint = LatestCheckpoint(outDir) ?? throw new ArgumentException($"--resume {outDir}: no checkpoint found");
        var trainer = new Trainer(config, outDir);
        trainer.Load(checkpoint);
        return trainer;
    }

    public static TrainConfig ReadConfig(string outDir) => RunFolder.ReadConfig<TrainConfig>(outDir);

    public static string? LatestCheckpoint(string outDir) => RunFolder.LatestCheckpoint(outDir);

    private string RunJson()
    {
        var root = new JsonObject
        {
            ["config"] = JsonSerializer.SerializeToNode(Config, Json),
            ["learning_rate"] = LearningRate,
            ["rule_hyperparameters"] = JsonSerializer.SerializeToNode(Rule.HyperParameters, Rule.HyperParameters.GetType(), Json),
            ["optimizer"] = JsonSerializer.SerializeToNode(Core.OptimizerSettings, Json),
            ["actor_environments"] = _numEnvs,
            ["agent_parameters"] = Core.Network.ParameterCount,
            ["device"] = Core.Device.ToString(),
            ["threads"] = get_num_threads(),
            ["rollout_convention"] = "obs[0..T], actions[0..T], rewards[0..T-1], is_terminal[t]: episode ended after a[t], episode_start[t]: obs[t] " +
                                     "begins an episode; auto-reset, no terminal observations; T = " + Config.Transitions +
                                     (Config.StepsPastRolloutEnd ? " (rollout − 1; the next rollout starts after obs[T])" : " (rollouts share obs[T])") +
                                     (Config.MasksEpisodeStarts ? "; loss masked at episode starts" : "; every step's loss counts"),
        };
        return root.ToJsonString(Json);
    }

    /// <summary>Rolls every actor environment T steps with the current parameters.</summary>
    private TrajectoryBatch Rollout() => _actors.Rollout(Config.Transitions,
        obs => Core.Network.Logits(Core.Parameters, Core.ObservationTensor(obs, _numEnvs)), Core.Rng, Config.StepsPastRolloutEnd);

    /// <summary>
    /// One iteration: actors, then (once the buffer holds a batch) one learner step; <paramref name="withLogs"/> false
    /// when the iteration is not logged (the rule may then skip its logs).
    /// </summary>
    public void Iterate(bool withLogs = true)
    {
        var batch = Core.Time("actor", Rollout);
        if (_replay is null)
        {
            _lastLogs = Rule.Update(Core, batch, withLogs);
            LearnerSteps++;
            return;
        }
        _replay.Add(batch);
        if (_replay.Count >= Config.BatchSize)
        {
            var sample = _replay.Sample(Config.BatchSize, Core.Rng);
            _lastLogs = Rule.Update(Core, sample, withLogs);
            LearnerSteps++;
        }
    }

    public double RecentReturn(int n = 100) => _actors.RecentReturn(n);

    /// <summary>Runs until <see cref="TrainConfig.Steps"/> environment steps (or cancellation: then it checkpoints and reports Interrupted).</summary>
    public TrainResult Run(CancellationToken cancel = default, Action<TrainProgress>? progress = null)
    {
        // Finalizers (which free TorchSharp's implicit Scalars) run only between iterations: see FinalizerGate.
        FinalizerGate.Close();
        try { return RunGated(cancel, progress); }
        finally { FinalizerGate.Open(); }
    }

    private TrainResult RunGated(CancellationToken cancel = default, Action<TrainProgress>? progress = null)
    {
        long logStart = Stopwatch.GetTimestamp();
        long logSteps = EnvSteps;
        long lastCheckpoint = EnvSteps;
        int iteration = 0;
        double sps = 0;
        long stepsPerIteration = 0;
        while (EnvSteps < Config.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                if (OutDir is not null) SaveCheckpoint();
                return Result(true);
            }
            // The rule's logs are read only on logged iterations (the condition below, with the last iteration's steps).
            long before = EnvSteps;
            Iterate(withLogs: (iteration + 1) % LogEvery == 0 || stepsPerIteration == 0 || before + stepsPerIteration >= Config.Steps);
            stepsPerIteration = EnvSteps - before;
            FinalizerGate.Flush();
            iteration++;
            if (iteration % LogEvery == 0 || EnvSteps >= Config.Steps)
            {
                double elapsed = Stopwatch.GetElapsedTime(logStart).TotalSeconds;
                sps = (EnvSteps - logSteps) / Math.Max(elapsed, 1e-9);
                (logStart, logSteps) = (Stopwatch.GetTimestamp(), EnvSteps);
                if (OutDir is not null) AppendMetrics(sps);
            }
            if (OutDir is not null && Config.CheckpointEvery > 0 && EnvSteps - lastCheckpoint >= Config.CheckpointEvery && EnvSteps < Config.Steps)
            {
                SaveCheckpoint();
                lastCheckpoint = EnvSteps;
            }
            progress?.Invoke(new TrainProgress(EnvSteps, Config.Steps, LearnerSteps, _actors.EpisodeReturns.Count, RecentReturn(), sps));
        }
        if (OutDir is not null)
        {
            SaveCheckpoint();
            var summary = new JsonObject { [RunFolderLayout.SummarySteps] = EnvSteps, [RunFolderLayout.SummaryFinalReturn] = Finite(RecentReturn()), ["episodes"] = _actors.EpisodeReturns.Count, ["learner_steps"] = LearnerSteps };
            var (final, test) = EvaluateFinalPolicy();
            summary[RunFolderLayout.SummaryFinalEvalReturn] = Finite(final);
            summary[RunFolderLayout.SummaryFinalEvalEpisodes] = TrainOptions.FinalEvaluationEpisodes;
            var points = new Dictionary<string, double> { [RunFolderLayout.SummaryFinalEvalReturn] = final };
            if (test is { } t)
            {
                summary[RunFolderLayout.FinalReturnTrainLevels] = Finite(final);
                summary[RunFolderLayout.FinalReturnTestLevels] = Finite(t);
                (points[RunFolderLayout.FinalReturnTrainLevels], points[RunFolderLayout.FinalReturnTestLevels]) = (final, t);
            }
            RunFolder.AppendMetrics(OutDir, EnvSteps, points);
            File.WriteAllText(Path.Combine(OutDir, SummaryFile), summary.ToJsonString(Json));
        }
        return Result(false);
    }

    /// <summary>
    /// The final policy (the checkpoint just written) over <see cref="TrainOptions.FinalEvaluationEpisodes"/> sampled
    /// episodes, each parallel environment's share fixed in advance, with evaluate's default seed: the run's final score,
    /// unbiased by episode length where the last training episodes are not. ProcGen's protocol adds test levels the run
    /// never saw (the first number is then the training levels').
    /// </summary>
    private (double Final, double? TestLevels) EvaluateFinalPolicy()
    {
        var policy = Policy.Load(OutDir!, Core.Device);
        double Mean(bool test) => Evaluator.Run(policy, Config.Env, TrainOptions.FinalEvaluationEpisodes, greedy: false,
            (ulong)EvaluateOptions.CliDefaultSeed, testLevels: test).Average(r => (double)r);
        return (Mean(false), _actors.Spec.HasTestLevels ? Mean(true) : null);
    }

    private TrainResult Result(bool interrupted) => new(EnvSteps, LearnerSteps, _actors.EpisodeReturns.Count, RecentReturn(), interrupted);

    private static JsonNode? Finite(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    private void AppendMetrics(double sps) => RunFolder.AppendMetrics(OutDir!, EnvSteps, new Dictionary<string, double>
    {
        [RunFolderLayout.MetricEpisodeReturn] = RecentReturn(),
        ["episode_length"] = _actors.EpisodeLengths.Count == 0 ? double.NaN : _actors.EpisodeLengths.TakeLast(100).Average(),
        [RunFolderLayout.MetricStepsPerSecond] = sps,
        ["learner_steps"] = LearnerSteps,
        ["episodes"] = _actors.EpisodeReturns.Count,
    }.Concat(_lastLogs));

    // ---- checkpoints ----

    /// <summary>Writes DIR/checkpoints/step-XXXXXXXXXXXX atomically (temporary folder, then rename) and updates latest.</summary>
    public string SaveCheckpoint()
    {
        if (OutDir is null) throw new InvalidOperationException("no output folder");
        var final = RunFolder.WriteCheckpoint(OutDir, RunFolderLayout.AgentCheckpointName(EnvSteps), tmp =>
        {
            Npz.Write(Path.Combine(tmp, RunFolderLayout.AgentParametersFile), Core.SaveParameters(Core.Parameters));
            Npz.Write(Path.Combine(tmp, "target.npz"), Core.SaveParameters(Core.TargetParameters));
            Npz.Write(Path.Combine(tmp, "optimizer.npz"), Core.Optimizer.ToArrays(ParameterNames));
            Npz.Write(Path.Combine(tmp, "rule_state.npz"), Rule.SaveState());
            if (_replay is not null) Npz.Write(Path.Combine(tmp, "replay.npz"), _replay.ToArrays());
            var env = new Dictionary<string, NpyArray>();
            _actors.SaveArrays(env);
            Npz.Write(Path.Combine(tmp, "env.npz"), env);
            var state = new JsonObject
            {
                ["step"] = EnvSteps,
                ["learner_step"] = LearnerSteps,
                ["rng_state"] = Core.Rng.State.ToString(),
                ["time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            };
            File.WriteAllText(Path.Combine(tmp, "state.json"), state.ToJsonString(Json));
        });
        RunFolder.PruneCheckpoints(OutDir, RunFolderLayout.AgentCheckpointPrefix, Config.KeepCheckpoints);
        return final;
    }

    private IReadOnlyList<string> ParameterNames => Core.Network.Specs.Select(s => s.Name).ToList();

    private void Load(string dir)
    {
        LearnerCore.LoadInto(Core.Network, Core.Parameters, Npz.Read(Path.Combine(dir, RunFolderLayout.AgentParametersFile)), RunFolderLayout.AgentParametersFile);
        LearnerCore.LoadInto(Core.Network, Core.TargetParameters, Npz.Read(Path.Combine(dir, "target.npz")), "target.npz");
        Core.Optimizer.Load(Npz.Read(Path.Combine(dir, "optimizer.npz")), ParameterNames, "optimizer.npz");
        Rule.LoadState(Npz.Read(Path.Combine(dir, "rule_state.npz")), Core.Device);
        if (_replay is not null) _replay.Load(Npz.Read(Path.Combine(dir, "replay.npz"), new NpzReadLimits(MaxArrayBytes: 8L << 30, MaxTotalBytes: 16L << 30)));

        _actors.LoadArrays(Npz.Read(Path.Combine(dir, "env.npz")));

        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "state.json")))!;
        LearnerSteps = state["learner_step"]!.GetValue<long>();
        Core.Rng.State = ulong.Parse(state["rng_state"]!.GetValue<string>());
        if (EnvSteps != state["step"]!.GetValue<long>()) throw new InvalidDataException("state.json: step does not match the action history");
    }
}
