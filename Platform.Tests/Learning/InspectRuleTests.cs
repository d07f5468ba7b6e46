using System.Text.Json;
using Platform.Workers.Inspection;

namespace Platform.Tests.Learning;

/// <summary>Two small Catch agents (Disco103 and actor-critic) trained once for the inspector's tests.</summary>
public sealed class InspectRuleAgents : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "inspect-" + Guid.NewGuid().ToString("N"));
    public string Disco => Path.Combine(Root, "disco");
    public string ActorCritic => Path.Combine(Root, "ac");

    public InspectRuleAgents()
    {
        foreach (var (rule, dir, steps) in new[] { ("disco103", Disco, "600"), ("actor-critic", ActorCritic, "3000") })
        {
            var (code, _, err) = WorkerCli.Run("train", "--env", "catch/5x5", "--rule", rule, "--steps", steps, "--seed", "7", "--net", "small", "--out", dir);
            Assert.True(code == 0, err);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, true);
    }
}

/// <summary>
/// <c>inspect-rule</c> (issue #17) as a child process: the report's schema, that each number is what it claims to be
/// (recomputed here from the report's other fields), a measured sanity bound for a baseline, and its usage errors.
/// </summary>
public sealed class InspectRuleTests(InspectRuleAgents agents) : IClassFixture<InspectRuleAgents>
{
    private JsonElement Inspect(string checkpoint, params string[] more)
    {
        var file = Path.Combine(agents.Root, Guid.NewGuid().ToString("N") + ".json");
        var (code, stdout, err) = WorkerCli.Run(["inspect-rule", "--checkpoint", checkpoint, "--out", file, .. more]);
        Assert.True(code == 0, err);
        Assert.Contains("correlation[rule_advantage, gae]=", stdout);
        return JsonDocument.Parse(File.ReadAllText(file)).RootElement;
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    [Fact]
    public void ForDisco103TheReportHoldsPiHatTheImpliedAndTheGaeAdvantagePerStepAndEachIsWhatItClaims()
    {
        var report = Inspect(agents.Disco, "--episodes", "40", "--seed", "3");
        Assert.Equal(InspectionReport.SchemaId, report.GetProperty("schema").GetString());
        Assert.Equal(("catch/5x5", "disco103", "disco103", "checkpoint"), (report.GetProperty("env").GetString(), report.GetProperty("rule").GetString(),
            report.GetProperty("agent_rule").GetString(), report.GetProperty("rule_state").GetString()));
        var settings = report.GetProperty("settings");
        double gamma = settings.GetProperty("discount").GetDouble(), lambda = settings.GetProperty("gae_lambda").GetDouble();
        var steps = report.GetProperty("steps").EnumerateArray().ToList();
        Assert.NotEmpty(steps);

        foreach (var s in steps)
        {
            var (pi, piHat, implied, qAdv) = (Floats(s.GetProperty("pi")), Floats(s.GetProperty("pi_hat")), Floats(s.GetProperty("implied_advantage")),
                Floats(s.GetProperty("q_advantage")));
            Assert.Equal(3, pi.Length);
            Assert.Equal(3, qAdv.Length);
            Assert.Equal(1.0, pi.Sum(), 4);
            Assert.Equal(1.0, piHat.Sum(), 4);
            for (int a = 0; a < 3; a++) Assert.Equal(Math.Log(piHat[a]) - Math.Log(pi[a]), implied[a], 3);
            Assert.Equal(implied[s.GetProperty("action").GetInt32()], s.GetProperty("rule_advantage").GetSingle());
            Assert.Equal(2, s.GetProperty("y_pc").GetArrayLength());
            foreach (var key in new[] { "y_norm", "z_norm", "y_hat_norm", "z_hat_norm", "y_kl", "z_kl", "entropy", "value" })
                Assert.True(double.IsFinite(s.GetProperty(key).GetDouble()), key);
            var frame = s.GetProperty("frame");
            if (s.GetProperty("lane").GetInt32() == 0) Assert.Equal(25, frame.GetString()!.Length);
            else Assert.Equal(JsonValueKind.Null, frame.ValueKind);
        }

        // GAE(λ) with the agent's own value, step by step along each lane: A_t − γλ(1−end_t)·A_{t+1} = r_t + γ(1−end_t)·V_{t+1} − V_t.
        foreach (var lane in steps.GroupBy(s => s.GetProperty("lane").GetInt32()))
        {
            var l = lane.OrderBy(s => s.GetProperty("t").GetInt32()).ToList();
            for (int i = 0; i + 1 < l.Count; i++)
            {
                double d = l[i].GetProperty("episode_end").GetBoolean() ? 0 : gamma;
                double delta = l[i].GetProperty("reward").GetDouble() + d * l[i + 1].GetProperty("value").GetDouble() - l[i].GetProperty("value").GetDouble();
                Assert.Equal(delta, l[i].GetProperty("gae_advantage").GetDouble() - d * lambda * l[i + 1].GetProperty("gae_advantage").GetDouble(), 4);
            }
        }

        // Episodes: a complete one's return is the sum of its rewards, and it ends where a step says so.
        var episodes = report.GetProperty("episodes").EnumerateArray().Where(e => e.GetProperty("complete").GetBoolean()).ToList();
        Assert.True(episodes.Count >= 40);
        foreach (var e in episodes)
        {
            var mine = steps.Where(s => s.GetProperty("lane").GetInt32() == e.GetProperty("lane").GetInt32()
                && s.GetProperty("t").GetInt32() >= e.GetProperty("start_t").GetInt32() && s.GetProperty("t").GetInt32() <= e.GetProperty("end_t").GetInt32()).ToList();
            Assert.Equal(e.GetProperty("return").GetDouble(), mine.Sum(s => s.GetProperty("reward").GetDouble()), 5);
            Assert.True(mine[^1].GetProperty("episode_end").GetBoolean());
        }

        var summary = report.GetProperty("summary");
        Assert.Equal(steps.Count, summary.GetProperty("steps").GetInt32());
        Assert.Equal(episodes.Count, summary.GetProperty("complete_episodes").GetInt32());
        foreach (var key in new[] { "gae", "q_advantage" })
        {
            Assert.InRange(summary.GetProperty("correlation").GetProperty(key).GetDouble(), -1, 1);
            Assert.InRange(summary.GetProperty("sign_agreement").GetProperty(key).GetDouble(), 0, 1);
        }
        foreach (var source in new[] { "y", "z" })
            foreach (var probe in new[] { "discounted_return", "ends_within_5", "policy_entropy" })
                Assert.True(summary.GetProperty("probes").GetProperty(source).TryGetProperty(probe, out _), $"{source}.{probe}");
    }

    [Fact]
    public void ForTheActorCriticItsVtraceAdvantageAndGaeOnTheSameRolloutAgree()
    {
        // 300 episodes on 16 lanes: several rollout windows, so V-trace (cut at each window's end, as the learner computes
        // it) and GAE over the whole lane differ where an episode crosses a window's end. Measured on this agent
        // (catch/5x5, 3,000 steps, seed 7): correlation 0.977, 0.977 and 0.985, sign agreement 0.976–0.978, inspection seeds 0–2.
        var report = Inspect(agents.ActorCritic, "--episodes", "300", "--seed", "0");
        Assert.Equal("actor-critic", report.GetProperty("rule").GetString());
        var summary = report.GetProperty("summary");
        Assert.True(summary.GetProperty("correlation").GetProperty("gae").GetDouble() >= 0.95, summary.ToString());
        Assert.True(summary.GetProperty("sign_agreement").GetProperty("gae").GetDouble() >= 0.95, summary.ToString());
        Assert.False(summary.GetProperty("correlation").TryGetProperty("q_advantage", out _));
        Assert.Equal(JsonValueKind.Null, summary.GetProperty("probes").ValueKind);
        var step = report.GetProperty("steps")[0];
        foreach (var key in new[] { "pi_hat", "implied_advantage", "q_advantage", "y_norm", "y_pc" })
            Assert.Equal(JsonValueKind.Null, step.GetProperty(key).ValueKind);
        Assert.True(report.GetProperty("steps").EnumerateArray().Count() > 16 * 29, "expected more than one rollout window");
    }

    [Fact]
    public void ARuleThatCannotReadTheAgentIsAUsageError()
    {
        WorkerCli.AssertUsageError(["inspect-rule", "--checkpoint", agents.ActorCritic, "--rule", "disco103", "--out", "X"]);
        WorkerCli.AssertUsageError(["inspect-rule", "--checkpoint", agents.ActorCritic, "--rule", "ppo", "--out", "X"]);
        WorkerCli.AssertUsageError(["inspect-rule", "--checkpoint", agents.Disco, "--rule", "actor-critic", "--out", "X"]);
        WorkerCli.AssertUsageError(["inspect-rule", "--checkpoint", agents.Disco, "--episodes", "0", "--out", "X"]);
        WorkerCli.AssertUsageError(["inspect-rule", "--checkpoint", agents.Disco]);
        WorkerCli.AssertUsageError(["inspect-rule", "--checkpoint", "/does/not/exist", "--out", "X"]);
    }
}
