using Platform.Data.Runs;
using Platform.Data.Npz;
using Platform.Workers.Agents;
using Platform.Workers.Environments;
using static TorchSharp.torch;

namespace Platform.Workers.Learning;

/// <summary>A trained policy loaded from a checkpoint: network, parameters, and the run's configuration.</summary>
public sealed class Policy
{
    public required TrainConfig Config { get; init; }
    public required AgentNetwork Network { get; init; }
    public required List<Tensor> Parameters { get; init; }
    public required string Checkpoint { get; init; }

    /// <summary>
    /// Loads the agent parameters of <paramref name="path"/>: a run folder (its latest checkpoint) or one
    /// checkpoints/step-XXXXXXXXXXXX folder. The network shape comes from the run's run.json.
    /// </summary>
    public static Policy Load(string path, Device? device = null)
    {
        string runDir, checkpoint;
        if (File.Exists(Path.Combine(path, Trainer.RunFile)))
        {
            runDir = path;
            checkpoint = Trainer.LatestCheckpoint(path) ?? throw new ArgumentException($"{path}: no checkpoint");
        }
        else if (File.Exists(Path.Combine(path, RunFolderLayout.AgentParametersFile)) && Directory.GetParent(path)?.Parent is { } run && File.Exists(Path.Combine(run.FullName, Trainer.RunFile)))
        {
            (runDir, checkpoint) = (run.FullName, path);
        }
        else throw new ArgumentException($"{path}: not a run folder or a checkpoint folder");
        var config = Trainer.ReadConfig(runDir);
        var spec = EnvironmentRegistry.Get(config.Env);
        var network = new AgentNetwork(config.Network, LearnerRules.Heads(config.Rule, spec.ActionCount), spec.ObservationShape.ToArray());
        var parameters = network.Specs.Select(s => zeros(s.Shape, device: device)).ToList();
        LearnerCore.LoadInto(network, parameters, Npz.Read(Path.Combine(checkpoint, RunFolderLayout.AgentParametersFile)), RunFolderLayout.AgentParametersFile);
        return new Policy { Config = config, Network = network, Parameters = parameters, Checkpoint = checkpoint };
    }
}

/// <summary>Runs a policy for a number of episodes on parallel environments.</summary>
public static class Evaluator
{
    /// <summary>
    /// The returns of <paramref name="episodes"/> episodes on min(episodes, 16) environments seeded by
    /// <paramref name="seed"/>, each environment contributing a share fixed in advance (<see cref="EpisodeQuota"/>:
    /// no bias towards short episodes); actions are sampled from the policy, or its argmax when <paramref name="greedy"/>.
    /// ProcGen levels: the agent's training levels, or with <paramref name="testLevels"/> only levels outside them.
    /// <paramref name="onEpisode"/> hears each counted episode's return as it finishes.
    /// </summary>
    public static List<float> Run(Policy policy, string envId, int episodes, bool greedy, ulong seed, bool testLevels = false,
        Action<float>? onEpisode = null)
    {
        var spec = EnvironmentRegistry.Get(envId);
        if (!spec.ObservationShape.SequenceEqual(EnvironmentRegistry.Get(policy.Config.Env).ObservationShape) ||
            spec.ActionCount != EnvironmentRegistry.Get(policy.Config.Env).ActionCount)
            throw new ArgumentException($"{envId}: observation or action shape differs from the trained environment {policy.Config.Env}");
        if (testLevels && !spec.HasTestLevels) throw new ArgumentException($"{envId}: only ProcGen environments have test levels");
        int n = Math.Min(episodes, 16);
        var env = EnvironmentRegistry.Create(envId, n, seed, policy.Config.EnvironmentOptions(testLevels));
        var logits = new float[n * spec.ActionCount];
        var rng = new LearnerRng(seed * 0x9E3779B97F4A7C15UL + 1);
        var device = policy.Parameters[0].device;
        return EpisodeQuota.Collect(env, episodes, (obs, actions) =>
        {
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var o = tensor(obs, [n, spec.Height, spec.Width, spec.Channels]).to(device);   // [B, H, W, C]
                policy.Network.Logits(policy.Parameters, o).cpu().data<float>().CopyTo(logits); // [B, A]
            }
            for (int i = 0; i < n; i++)
            {
                var l = logits.AsSpan(i * spec.ActionCount, spec.ActionCount);
                actions[i] = greedy ? LearnerRng.Argmax(l) : rng.SampleSoftmax(l);
            }
        }, onEpisode: onEpisode);
    }
}
