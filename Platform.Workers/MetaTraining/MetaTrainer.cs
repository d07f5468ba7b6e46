using Platform.Data.Runs;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Checkpoints;
using Platform.Workers.Learning;
using Platform.Workers.UpdateRules;
using Platform.Workers.UpdateRules.Disco;
using static TorchSharp.torch;

namespace Platform.Workers.MetaTraining;

/// <summary>One progress report (after each meta step).</summary>
public sealed record MetaTrainProgress(long MetaStep, long TotalMetaSteps, double MetaLoss, double InnerReturn, double MetaStepsPerSecond);

/// <summary>What a finished (or interrupted) meta-training run reports.</summary>
public sealed record MetaTrainResult(long MetaSteps, double FinalInnerReturn, bool Interrupted);

/// <summary>
/// Population meta-training of the Disco rule, as in the reference meta-training colab. Each meta step, every agent
/// rolls out K training rollouts and one validation rollout of twice the length with its current parameters, then
/// its meta-gradient is taken through K differentiable inner learner steps (<see cref="MetaGradient.Unroll"/>) and the
/// validation meta-loss, whose advantages come from the agent's separately trained value function. The meta-gradients
/// are averaged over agents and one Adam step (lr 5e-4) moves η. Agents keep their parameters, optimiser, target and
/// meta-RNN/EMA state from one meta step to the next, and are replaced by fresh agents after Lifetime inner steps
/// (with staggered ages).
/// Memory holds one agent's K-step graph at a time. Output: DIR/run.json, DIR/metrics.jsonl, DIR/checkpoints/meta-step-N/
/// (meta_network.npz in the Disco103 layout, meta_optimizer.npz, agents.npz, state.json), DIR/summary.json.
/// </summary>
public sealed class MetaTrainer
{
    public const string RunFile = RunFolder.RunFile, MetricsFile = RunFolder.MetricsFile, SummaryFile = RunFolder.SummaryFile, MetaNetworkFile = RunFolderLayout.MetaNetworkFile;
    private static JsonSerializerOptions Json => RunFolder.Json;

    private readonly Device _device;
    private readonly DiscoMetaParameters _eta;
    private readonly DiscoUpdateRule _rule;
    private readonly AdamState _metaOptimizer;
    private readonly AdamClipSettings _metaSettings, _innerSettings;
    private readonly IReadOnlyList<double> _metaLrScales, _metaEpsilons;
    // π̂'s per-action pathway in η (DiscoArchitecture.PolicyActionPathway), for --pathway-attribution-every.
    private readonly IReadOnlyList<Tensor> _pathwayTensors;
    private readonly IReadOnlyList<bool> _pathwayIsBias;
    /// <summary>This step's meta-gradient is split by term: the steps logged as N, 2N, … (the step counter moves after it).</summary>
    private bool AttributionDue => Config.PathwayAttributionEvery > 0 && (MetaStep + 1) % Config.PathwayAttributionEvery == 0;
    private readonly Dictionary<string, AgentNetwork> _networks = [];
    private readonly List<PopulationAgent> _agents = [];
    private Dictionary<string, double> _lastLogs = [];

    /// <summary>One member of the population: its actors, its learner state and its meta-value function.</summary>
    private sealed class PopulationAgent
    {
        public required int Index { get; init; }
        public required string EnvId { get; init; }
        public required ActorPool Actors { get; init; }
        public required LearnerRng Rng { get; init; }
        public required InnerState State { get; set; }
        public required MetaValueFunction Value { get; set; }
        public long InnerSteps { get; set; }
        public int Generation { get; set; }
    }

    public MetaTrainConfig Config { get; }
    public string? OutDir { get; }
    public long MetaStep { get; private set; }
    public DiscoMetaParameters MetaParameters => _eta;
    private readonly PhaseTimes _times = new("actor", "meta_gradient", "meta_update");
    public Dictionary<string, double> Seconds => _times.Seconds;

    private MetaTrainer(MetaTrainConfig config, string? outDir)
    {
        config.Validate();
        Config = config;
        OutDir = outDir;
        _device = TorchDevices.Parse(config.Device);
        using (var initial = LoadInitial(config))
            _eta = initial.To(_device).CloneRequiringGrad();
        _rule = new DiscoUpdateRule(_eta);
        _metaOptimizer = AdamState.Zeros(_eta.Tensors);
        // optax.adam: Adam without update clipping.
        _metaSettings = new AdamClipSettings(config.MetaLearningRate, MaxAbsUpdate: double.PositiveInfinity);
        var pathway = _eta.Specs.Select(s => DiscoArchitecture.PolicyActionPathway.Any(p => s.Name.StartsWith(p + "/", StringComparison.Ordinal))).ToList();
        _metaLrScales = pathway.Select(on => on ? config.ActionPathwayLrScale : 1.0).ToList();
        _metaEpsilons = pathway.Select(on => on ? config.ActionPathwayAdamEps : _metaSettings.Eps).ToList();
        _pathwayTensors = _eta.Tensors.Where((_, i) => pathway[i]).ToList();
        _pathwayIsBias = _eta.Specs.Where((_, i) => pathway[i]).Select(s => s.Name.EndsWith("/b", StringComparison.Ordinal)).ToList();
        _innerSettings = new AdamClipSettings(config.InnerLearningRate);
        for (int i = 0; i < config.Agents; i++)
        {
            var env = config.Envs[i % config.Envs.Length];
            var actors = new ActorPool(env, config.BatchSize, Mix((ulong)config.Seed, (ulong)i, 1));
            var agent = new PopulationAgent
            {
                Index = i, EnvId = env, Actors = actors, Rng = new LearnerRng(Mix((ulong)config.Seed, (ulong)i, 2)),
                State = null!, Value = null!,
            };
            FreshLearner(agent);
            // Staggered ages: agent i starts i/N of the way into its first lifetime, so the population always
            // holds young and old learners (and the meta-gradient never comes only from fresh agents).
            if (config.Lifetime > 0) agent.InnerSteps = config.Lifetime * i / config.Agents;
            _agents.Add(agent);
        }
    }

    private static DiscoMetaParameters LoadInitial(MetaTrainConfig c) => c.Init switch
    {
        "random" => DiscoMetaParameters.Random(c.Seed, actionBias: c.InitActionBias),
        "disco103" => DiscoMetaParameters.Load(SharedPaths.Disco103Weights
            ?? throw new ArgumentException("--init disco103: shared/weights/disco_103.npz not found (set DISCO_SHARED_DIR)")),
        _ => DiscoMetaParameters.Load(c.Init[4..]),
    };

    private static ulong Mix(ulong a, ulong b, ulong c) => new LearnerRng(a * 0x9E3779B97F4A7C15UL ^ (b + 1) * 0xC2B2AE3D27D4EB4FUL ^ c).NextUInt64();

    private AgentNetwork NetworkFor(string env)
    {
        if (!_networks.TryGetValue(env, out var net))
        {
            var spec = Environments.EnvironmentRegistry.Get(env);
            _networks[env] = net = new AgentNetwork(Config.Network, AgentHeads.Disco(spec.ActionCount), spec.ObservationShape.ToArray());
        }
        return net;
    }

    /// <summary>A new learner for an agent (at the start, and when its lifetime ends): parameters, target, Adam, rule state, value function.</summary>
    private void FreshLearner(PopulationAgent agent)
    {
        var net = NetworkFor(agent.EnvId);
        var spec = agent.Actors.Spec;
        long seed = (long)(Mix((ulong)Config.Seed, (ulong)agent.Index, 3 + 2 * (ulong)agent.Generation) >> 1);
        var theta = net.Initialize(seed, _device);
        List<Tensor> target;
        using (no_grad()) target = theta.Select(p => p.detach().clone()).ToList();
        agent.State = new InnerState(theta, target, AdamState.Zeros(theta), _rule.InitialState());
        agent.Value = new MetaValueFunction(Config.Value, spec.ActionCount, spec.ObservationShape.ToArray(), seed + 1, _device);
        agent.InnerSteps = 0;
    }

    // ---- creation, resume ----

    public static MetaTrainer Create(MetaTrainConfig config, string? outDir)
    {
        var trainer = new MetaTrainer(config, outDir);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, RunFile), trainer.RunJson());
            File.WriteAllText(Path.Combine(outDir, MetricsFile), "");
            trainer.SaveCheckpoint();   // meta-step 0: the initial rule
        }
        return trainer;
    }

    public static MetaTrainer Resume(string outDir, long? metaSteps = null, string? device = null)
    {
        var config = ReadConfig(outDir);
        if (metaSteps is { } m) config = config with { MetaSteps = m };
        if (device is not null) config = config with { Device = device };
        var checkpoint = LatestCheckpoint(outDir) ?? throw new ArgumentException($"--resume {outDir}: no checkpoint found");
        var trainer = new MetaTrainer(config, outDir);
        trainer.Load(checkpoint);
        return trainer;
    }

    public static MetaTrainConfig ReadConfig(string outDir) => RunFolder.ReadConfig<MetaTrainConfig>(outDir);

    public static string? LatestCheckpoint(string outDir) => RunFolder.LatestCheckpoint(outDir);

    private string RunJson() => new JsonObject
    {
        ["kind"] = "meta-train",
        ["config"] = JsonSerializer.SerializeToNode(Config, Json),
        ["meta_parameters"] = _eta.ParameterCount,
        ["agent_parameters"] = new JsonObject(_agents.Select(a => a.EnvId).Distinct()
            .Select(e => KeyValuePair.Create(e, (JsonNode?)NetworkFor(e).ParameterCount))),
        ["device"] = _device.ToString(),
        ["threads"] = get_num_threads(),
        ["meta_optimizer"] = "adam(lr, 0.9, 0.999, 1e-8), no clipping",
        ["inner_optimizer"] = JsonSerializer.SerializeToNode(_innerSettings, Json),
    }.ToJsonString(Json);

    // ---- the loop ----

    /// <summary>Runs until Config.MetaSteps (or cancellation: then it checkpoints and reports Interrupted).</summary>
    public MetaTrainResult Run(CancellationToken cancel = default, Action<MetaTrainProgress>? progress = null)
    {
        // Finalizers (which free TorchSharp's implicit Scalars) run only between iterations: see FinalizerGate.
        FinalizerGate.Close();
        try { return RunGated(cancel, progress); }
        finally { FinalizerGate.Open(); }
    }

    private MetaTrainResult RunGated(CancellationToken cancel = default, Action<MetaTrainProgress>? progress = null)
    {
        long lastCheckpoint = MetaStep;
        long logStart = Stopwatch.GetTimestamp(), logSteps = MetaStep;
        double rate = 0;
        var validation = Config.ValidateEvery > 0 && OutDir is not null ? new MetaValidation(Config, OutDir) : null;
        // The initial rule is validated too (a fresh run only: a resumed one did it before).
        if (validation is not null && MetaStep == 0 && validation.Best is null) Validate(validation);
        while (MetaStep < Config.MetaSteps)
        {
            if (cancel.IsCancellationRequested)
            {
                if (OutDir is not null) SaveCheckpoint();
                return new MetaTrainResult(MetaStep, InnerReturn(), true);
            }
            Step();
            FinalizerGate.Flush();
            if (MetaStep % Config.LogEvery == 0 || MetaStep >= Config.MetaSteps)
            {
                rate = (MetaStep - logSteps) / Math.Max(Stopwatch.GetElapsedTime(logStart).TotalSeconds, 1e-9);
                (logStart, logSteps) = (Stopwatch.GetTimestamp(), MetaStep);
                if (OutDir is not null) AppendMetrics(rate);
            }
            if (OutDir is not null && MetaStep - lastCheckpoint >= Config.CheckpointEvery && MetaStep < Config.MetaSteps)
            {
                SaveCheckpoint();
                lastCheckpoint = MetaStep;
            }
            if (validation is not null && MetaStep % Config.ValidateEvery == 0 && MetaStep < Config.MetaSteps)
            {
                if (lastCheckpoint != MetaStep)
                {
                    SaveCheckpoint();
                    lastCheckpoint = MetaStep;
                }
                Validate(validation);
            }
            progress?.Invoke(new MetaTrainProgress(MetaStep, Config.MetaSteps, _lastLogs.GetValueOrDefault("meta_loss", double.NaN), InnerReturn(), rate));
        }
        if (OutDir is not null)
        {
            SaveCheckpoint();
            var summary = new JsonObject { [RunFolderLayout.SummaryMetaSteps] = MetaStep, [RunFolderLayout.SummaryFinalInnerReturn] = Finite(InnerReturn()), ["env_steps"] = _agents.Sum(a => a.Actors.EnvSteps) };
            if (validation is not null)
            {
                Validate(validation);
                FinalizerGate.Open();
                try { validation.Test(summary); }
                finally { FinalizerGate.Close(); }
            }
            File.WriteAllText(Path.Combine(OutDir, SummaryFile), summary.ToJsonString(Json));
        }
        return new MetaTrainResult(MetaStep, InnerReturn(), false);
    }

    /// <summary>Validates this meta-step's checkpoint (written before). The fresh agents' trainers manage the finalizer gate themselves.</summary>
    private void Validate(MetaValidation validation)
    {
        var file = Path.Combine(OutDir!, RunFolderLayout.CheckpointsFolder, RunFolderLayout.MetaCheckpointName(MetaStep), MetaNetworkFile);
        FinalizerGate.Open();
        try { validation.Validate(MetaStep, file); }
        finally { FinalizerGate.Close(); }
    }

    /// <summary>Mean over agents of their last 100 episode returns (agents with no finished episode are skipped).</summary>
    public double InnerReturn()
    {
        var r = _agents.Select(a => a.Actors.RecentReturn()).Where(double.IsFinite).ToList();
        return r.Count == 0 ? double.NaN : r.Average();
    }

    private T Time<T>(string phase, Func<T> f) => _times.Time(phase, f);

    /// <summary>One meta step: every agent's meta-gradient, their mean, one Adam step on η.</summary>
    public void Step()
    {
        var eta = _eta.Tensors;
        var sum = eta.Select(p => zeros_like(p).detach()).ToList();
        var logs = new Dictionary<string, double>();
        void Add(string k, double v) => logs[k] = logs.GetValueOrDefault(k) + v / _agents.Count;

        foreach (var agent in _agents)
        {
            foreach (var (k, v) in AgentMetaGradient(agent, sum)) Add(k, v);
            agent.InnerSteps += Config.InnerSteps;
            if (Config.Lifetime > 0 && agent.InnerSteps >= Config.Lifetime)
            {
                foreach (var t in AllTensors(agent.State)) t.Dispose();
                agent.Generation++;
                FreshLearner(agent);
            }
        }

        Time("meta_update", () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var mean = sum.Select(g => g / _agents.Count).ToList();
            var before = eta.Select(p => p.clone()).ToList();
            // Warm-up: meta-step s (counting from 1) takes min(1, s / W) of the learning rate.
            var settings = Config.MetaLrWarmup > 0
                ? _metaSettings with { LearningRate = _metaSettings.LearningRate * Math.Min(1.0, (MetaStep + 1) / (double)Config.MetaLrWarmup) }
                : _metaSettings;
            AdamClip.Step(settings, eta, mean, _metaOptimizer, _metaLrScales, _metaEpsilons);
            logs["meta_lr"] = settings.LearningRate;
            logs["meta_grad_norm"] = Math.Sqrt(mean.Sum(g => g.square().sum().item<float>()));
            logs["meta_update_norm"] = Math.Sqrt(eta.Zip(before, (a, b) => (a - b).square().sum().item<float>()).Sum());
            return 0;
        });
        foreach (var g in sum) g.Dispose();
        MetaStep++;
        _lastLogs = logs;
    }

    /// <summary>
    /// One agent's part of a meta step: its rollouts, its K-step unroll and validation meta-loss, ∂loss/∂η added
    /// into <paramref name="sum"/>; the agent moves on to its unrolled (detached) state. Everything else this
    /// allocates is freed on return.
    /// </summary>
    private Dictionary<string, double> AgentMetaGradient(PopulationAgent agent, IReadOnlyList<Tensor> sum)
    {
        using var scope = NewDisposeScope();
        var net = NetworkFor(agent.EnvId);
        var obsShape = agent.Actors.Spec.ObservationShape.ToArray();
        var parameters = agent.State.Parameters;
        Tensor Policy(float[] obs) => net.Logits(parameters, tensor(obs, [agent.Actors.Count, obsShape[0], obsShape[1], obsShape[2]]).to(_device));

        // All rollouts of this meta step use the agent's current parameters, as in the reference.
        var (train, validation) = Time("actor", () =>
        {
            var tr = Enumerable.Range(0, Config.InnerSteps)
                .Select(_ => agent.Actors.Rollout(Config.TransitionsOf(Config.RolloutLength), Policy, agent.Rng, Config.StepsPastRolloutEnd)).ToList();
            var va = agent.Actors.Rollout(Config.TransitionsOf(2 * Config.RolloutLength), Policy, agent.Rng, Config.StepsPastRolloutEnd);
            return (tr, va);
        });

        var (grads, final, stepLogs) = Time("meta_gradient", () =>
        {
            var trainTensors = train.Select(b => RolloutTensors.From(b, obsShape, _device, ScalarType.Float32, Config.MasksEpisodeStarts)).ToList();
            var validTensors = RolloutTensors.From(validation, obsShape, _device, ScalarType.Float32);
            double valueLoss = 0;
            var unroll = MetaGradient.Unroll(_rule, net, agent.State, trainTensors, _innerSettings,
                afterStep: (r, logits) => valueLoss += agent.Value.Update(r, logits) / Config.InnerSteps);
            var (loss, log, terms) = MetaGradient.ValidationLoss(net, unroll, validTensors,
                logits => agent.Value.Evaluate(validTensors, logits).NormalizedAdvantages, Config.Loss);
            // The diagnostic comes first: it keeps the graph the meta-gradient then consumes.
            var attribution = AttributionDue ? MetaGradient.Attribute(terms, _pathwayTensors, _pathwayIsBias) : null;
            var g = MetaGradient.GradientOf(loss, _eta);
            var l = log.ToDictionary(kv => kv.Key, kv => kv.Value.to(float64).item<double>());
            if (attribution is not null) foreach (var (k, v) in attribution) l[k] = v;
            l["value_loss"] = valueLoss;
            return (g, unroll.Final.Detach(), l);
        });
        using (no_grad())
        {
            double norm = Math.Sqrt(grads.Sum(g => g.square().sum().to(float64).item<double>()));
            double scale = Config.MetaGradClip > 0 && norm > Config.MetaGradClip ? Config.MetaGradClip / norm : 1.0;
            for (int i = 0; i < sum.Count; i++) sum[i].add_(grads[i], alpha: scale);
            stepLogs["agent_meta_grad_norm"] = norm;
            stepLogs["meta_grad_clipped"] = scale < 1 ? 1 : 0;
        }

        // Keep the agent's new state beyond this scope; free the old one.
        var old = AllTensors(agent.State).ToList();
        foreach (var t in AllTensors(final)) t.DetachFromDisposeScope();
        agent.State = final;
        foreach (var t in old) t.Dispose();
        stepLogs["pos_rewards"] = train.Sum(b => b.Rewards.Count(r => r > 0));
        stepLogs["neg_rewards"] = train.Sum(b => b.Rewards.Count(r => r < 0));
        return stepLogs;
    }

    private static IEnumerable<Tensor> AllTensors(InnerState s) =>
        s.Parameters.Concat(s.TargetParameters).Concat(s.Optimizer.Mu).Concat(s.Optimizer.Nu).Concat(s.RuleState.Tensors);

    private static JsonNode? Finite(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    private void AppendMetrics(double rate) => RunFolder.AppendMetrics(OutDir!, MetaStep, new Dictionary<string, double>
    {
        [RunFolderLayout.MetricInnerReturn] = InnerReturn(),
        [RunFolderLayout.MetricMetaStepsPerSecond] = rate,
        ["env_steps"] = _agents.Sum(a => a.Actors.EnvSteps),
        ["inner_steps"] = _agents.Sum(a => a.InnerSteps),
        ["episodes"] = _agents.Sum(a => a.Actors.EpisodeReturns.Count),
        ["peak_rss_mb"] = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0,
    }.Concat(_lastLogs));

    // ---- checkpoints ----

    /// <summary>Writes DIR/checkpoints/meta-step-XXXXXXXXXXXX atomically (temporary folder, then rename) and updates latest.</summary>
    public string SaveCheckpoint()
    {
        if (OutDir is null) throw new InvalidOperationException("no output folder");
        return RunFolder.WriteCheckpoint(OutDir, RunFolderLayout.MetaCheckpointName(MetaStep), tmp =>
        {
            _eta.Save(Path.Combine(tmp, MetaNetworkFile));
            Npz.Write(Path.Combine(tmp, "meta_optimizer.npz"), _metaOptimizer.ToArrays(_eta.Specs.Select(s => s.Name).ToList()));

            var arrays = new Dictionary<string, NpyArray>();
            var agents = new JsonArray();
            foreach (var a in _agents)
            {
                var p = $"agent{a.Index}/";
                var net = NetworkFor(a.EnvId);
                void Params(string what, IReadOnlyList<Tensor> ts, AgentNetwork n)
                {
                    for (int i = 0; i < n.Specs.Count; i++) arrays[$"{p}{what}/{n.Specs[i].Name}"] = NpyTensors.FromTensor(ts[i]);
                }
                Params("theta", a.State.Parameters, net);
                Params("target", a.State.TargetParameters, net);
                Params("adam_mu", a.State.Optimizer.Mu, net);
                Params("adam_nu", a.State.Optimizer.Nu, net);
                int k = 0;
                foreach (var t in a.State.RuleState.Tensors) arrays[$"{p}rule_state/{k++}"] = NpyTensors.FromTensor(t);
                Params("value/theta", a.Value.Parameters, a.Value.Network);
                Params("value/adam_mu", a.Value.Optimizer.Mu, a.Value.Network);
                Params("value/adam_nu", a.Value.Optimizer.Nu, a.Value.Network);
                k = 0;
                foreach (var t in new[] { a.Value.AdvEma, a.Value.TdEma }.SelectMany(e => new[] { e.Moment1, e.Moment2, e.DecayProduct }))
                    arrays[$"{p}value/ema/{k++}"] = NpyTensors.FromTensor(t);
                a.Actors.SaveArrays(arrays, $"{p}env/");
                agents.Add(new JsonObject
                {
                    ["env"] = a.EnvId, ["rng_state"] = a.Rng.State.ToString(), ["inner_steps"] = a.InnerSteps,
                    ["generation"] = a.Generation, ["adam_count"] = a.State.Optimizer.Count, ["value_adam_count"] = a.Value.Optimizer.Count,
                });
            }
            Npz.Write(Path.Combine(tmp, "agents.npz"), arrays);
            var state = new JsonObject
            {
                ["meta_step"] = MetaStep,
                ["agents"] = agents,
                ["time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
            };
            File.WriteAllText(Path.Combine(tmp, "state.json"), state.ToJsonString(Json));
        });
    }

    private void Load(string dir)
    {
        using (var saved = DiscoMetaParameters.Load(Path.Combine(dir, MetaNetworkFile)))
        using (no_grad())
            for (int i = 0; i < _eta.Specs.Count; i++) _eta.Tensors[i].copy_(saved.Tensors[i]);
        _metaOptimizer.Load(Npz.Read(Path.Combine(dir, "meta_optimizer.npz")), _eta.Specs.Select(s => s.Name).ToList(), "meta_optimizer.npz");

        var arrays = Npz.Read(Path.Combine(dir, "agents.npz"), new NpzReadLimits(MaxArrayBytes: 8L << 30, MaxTotalBytes: 16L << 30));
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "state.json")))!;
        var agents = state["agents"]!.AsArray();
        if (agents.Count != _agents.Count) throw new InvalidDataException("state.json: the population size does not match run.json");
        foreach (var a in _agents)
        {
            var js = agents[a.Index]!;
            var p = $"agent{a.Index}/";
            a.Generation = js["generation"]!.GetValue<int>();
            if (a.Generation > 0) { foreach (var t in AllTensors(a.State)) t.Dispose(); FreshLearner(a); }
            var net = NetworkFor(a.EnvId);
            LearnerCore.LoadInto(net, a.State.Parameters, Section(arrays, p + "theta/"), "agents.npz theta");
            LearnerCore.LoadInto(net, a.State.TargetParameters, Section(arrays, p + "target/"), "agents.npz target");
            LearnerCore.LoadInto(net, a.State.Optimizer.Mu, Section(arrays, p + "adam_mu/"), "agents.npz adam_mu");
            LearnerCore.LoadInto(net, a.State.Optimizer.Nu, Section(arrays, p + "adam_nu/"), "agents.npz adam_nu");
            a.State.Optimizer.Count = js["adam_count"]!.GetValue<long>();
            var ruleTensors = a.State.RuleState.Tensors.ToList();
            CopyInto(ruleTensors, Enumerable.Range(0, ruleTensors.Count).Select(k => arrays[$"{p}rule_state/{k}"]).ToList());
            LearnerCore.LoadInto(a.Value.Network, a.Value.Parameters, Section(arrays, p + "value/theta/"), "agents.npz value");
            LearnerCore.LoadInto(a.Value.Network, a.Value.Optimizer.Mu, Section(arrays, p + "value/adam_mu/"), "agents.npz value adam_mu");
            LearnerCore.LoadInto(a.Value.Network, a.Value.Optimizer.Nu, Section(arrays, p + "value/adam_nu/"), "agents.npz value adam_nu");
            a.Value.Optimizer.Count = js["value_adam_count"]!.GetValue<long>();
            var ema = Enumerable.Range(0, 6).Select(k => NpyTensors.ToTensor(arrays[$"{p}value/ema/{k}"], _device)).ToList();
            a.Value.Restore(new EmaState(ema[0], ema[1], ema[2]), new EmaState(ema[3], ema[4], ema[5]));
            a.Actors.LoadArrays(arrays, p + "env/");
            a.Rng.State = ulong.Parse(js["rng_state"]!.GetValue<string>());
            a.InnerSteps = js["inner_steps"]!.GetValue<long>();
        }
        MetaStep = state["meta_step"]!.GetValue<long>();
    }

    private static Dictionary<string, NpyArray> Section(IReadOnlyDictionary<string, NpyArray> arrays, string prefix) =>
        arrays.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    private static void CopyInto(IReadOnlyList<Tensor> into, IReadOnlyList<NpyArray> arrays)
    {
        using var _ = no_grad();
        for (int i = 0; i < into.Count; i++)
        {
            if (!arrays[i].Shape.SequenceEqual(into[i].shape)) throw new InvalidDataException("checkpoint: an optimiser or rule-state array has the wrong shape");
            using var t = NpyTensors.ToTensor(arrays[i]);
            into[i].copy_(t);
        }
    }
}
