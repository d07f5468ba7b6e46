using Platform.Tests.UpdateRules;
using Platform.Workers.Agents;
using Platform.Workers.Environments;
using Platform.Workers.Learning;
using Platform.Workers.MetaTraining;
using Platform.Workers.UpdateRules.Disco;
using static TorchSharp.torch;

namespace Platform.Tests.MetaTraining;

/// <summary>
/// The meta-gradient (through inner agent updates into the Disco meta-parameters) against central finite
/// differences in float64, on a tiny configuration: Catch 5×5, an 8-unit torso, T = 4, B = 2.
/// </summary>
public class MetaGradientTests
{
    private const int T = 4, B = 2;

    private sealed record Setup(DiscoUpdateRule Rule, AgentNetwork Network, InnerState Start,
        List<RolloutTensors> Train, RolloutTensors Validation, Tensor Advantages);

    private static Setup Build(int innerSteps)
    {
        var spec = EnvironmentRegistry.Get("catch/5x5");
        var obsShape = spec.ObservationShape.ToArray();
        var network = new AgentNetwork(new AgentNetworkConfig { Dense = [8], ModelLstm = 4, ModelHeadHidden = [4] },
            AgentHeads.Disco(spec.ActionCount), obsShape);
        var theta = network.Initialize(3).Select(p => p.to(float64)).ToList();
        var generator = new Generator(11);
        var target = theta.Select(p => p + 0.01 * randn(p.shape, dtype: float64, generator: generator)).ToList();
        var eta = DiscoMetaParameters.Load(TestPaths.Disco103Weights).To(ScalarType.Float64).CloneRequiringGrad();
        var rule = new DiscoUpdateRule(eta);
        var start = new InnerState(theta, target, AdamState.Zeros(theta), rule.InitialState());

        var env = EnvironmentRegistry.Create("catch/5x5", B, 5);
        var rng = new Random(7);
        var obs = new float[B * spec.ObservationSize];
        env.Reset(obs);
        RolloutTensors Rollout()
        {
            var batch = new TrajectoryBatch(T, B, spec.ObservationSize, spec.ActionCount);
            var actions = new int[B];
            var rewards = new float[B];
            var terminals = new bool[B];
            for (int s = 0; s <= T; s++)
            {
                obs.CopyTo(batch.Observations, s * B * spec.ObservationSize);
                for (int i = 0; i < B; i++)
                {
                    actions[i] = rng.Next(spec.ActionCount);
                    batch.ActionsTaken[s * B + i] = actions[i];
                    for (int a = 0; a < spec.ActionCount; a++) batch.BehaviourLogits[(s * B + i) * spec.ActionCount + a] = (float)rng.NextDouble();
                }
                if (s == T) break;
                env.Step(actions, obs, rewards, terminals);
                for (int i = 0; i < B; i++)
                {
                    batch.Rewards[s * B + i] = rewards[i];
                    batch.IsTerminal[s * B + i] = terminals[i] ? 1 : 0;
                }
            }
            return RolloutTensors.From(batch, obsShape, CPU, ScalarType.Float64);
        }
        var train = Enumerable.Range(0, innerSteps).Select(_ => Rollout()).ToList();
        var validation = Rollout();
        return new Setup(rule, network, start, train, validation, randn(new long[] { T, B }, dtype: float64, generator: generator));
    }

    // Adam's ε is raised so that g/(|g| + ε) is smooth at the scale of the finite-difference step.
    private static readonly AdamClipSettings Inner = new(LearningRate: 1e-2, Eps: 1e-3);

    [Fact]
    public void MetaGradientMatchesCentralFiniteDifferencesInFloat64()
    {
        var s = Build(innerSteps: 1);
        var settings = new MetaLossSettings();
        var (grads, _, _) = MetaGradient.Compute(s.Rule, s.Network, s.Start, s.Train, s.Validation, s.Advantages,
            Inner, settings, stopGradientDenominator: false);
        var eta = s.Rule.Eta.Tensors;
        Assert.True(grads.Sum(g => g.square().sum().item<double>()) > 0, "the meta-gradient is zero");

        double Loss()
        {
            var (loss, _, _) = MetaGradient.MetaLoss(s.Rule, s.Network, s.Start, s.Train, s.Validation, s.Advantages,
                Inner, settings, stopGradientDenominator: false);
            return loss.item<double>();
        }

        var generator = new Generator(2024);
        const double step = 1e-5;
        for (int direction = 0; direction < 3; direction++)
        {
            var d = eta.Select(p => randn(p.shape, dtype: float64, generator: generator)).ToList();
            double norm = Math.Sqrt(d.Sum(x => x.square().sum().item<double>()));
            d = d.Select(x => x / norm).ToList();
            double analytic = grads.Zip(d, (g, x) => (g * x).sum().item<double>()).Sum();

            void Shift(double by) { using var _ = no_grad(); for (int i = 0; i < eta.Count; i++) eta[i].add_(d[i], alpha: by); }
            Shift(step);
            double plus = Loss();
            Shift(-2 * step);
            double minus = Loss();
            Shift(step);
            double numeric = (plus - minus) / (2 * step);

            double relative = Math.Abs(analytic - numeric) / Math.Max(Math.Abs(numeric), 1e-12);
            Assert.True(relative < 1e-4, $"direction {direction}: autograd {analytic:E6}, finite differences {numeric:E6}, relative error {relative:E2}");
        }
    }

    [Fact]
    public void MetaRnnParametersGetAGradientOnceTheStateCarriesAcrossInnerSteps()
    {
        // With one inner step the meta-RNN's update never reaches a loss (as in the golden meta-gradients);
        // with two, the second step's targets are modulated by the state the first step left.
        var s = Build(innerSteps: 2);
        var (grads, final, log) = MetaGradient.Compute(s.Rule, s.Network, s.Start, s.Train, s.Validation, s.Advantages,
            new AdamClipSettings(LearningRate: 1e-2), new MetaLossSettings());
        var specs = s.Rule.Eta.Specs;
        double MetaRnnNorm() => specs.Select((sp, i) => (sp, i)).Where(x => x.sp.Name.Contains("meta_lstm"))
            .Sum(x => grads[x.i].square().sum().item<double>());
        Assert.True(MetaRnnNorm() > 0, "no meta-gradient reached the meta-RNN");
        Assert.True(double.IsFinite(log["meta_loss"]));
        Assert.Equal(2, final.Optimizer.Count);
        Assert.False(final.Parameters[0].requires_grad);
    }
}
