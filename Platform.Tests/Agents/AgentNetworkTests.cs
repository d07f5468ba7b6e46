using Platform.Workers.Agents;
using Platform.Workers.UpdateRules;
using static TorchSharp.torch;

namespace Platform.Tests.Agents;

/// <summary>
/// The learner's forward (<see cref="AgentNetwork.ForwardAtActions"/>) against the plain one: the same outputs, and a
/// loss on the taken actions' z, aux_pi and q has the same gradient whichever path computed them (float64).
/// </summary>
public class AgentNetworkTests
{
    private static (AgentNetwork Network, List<Tensor> Parameters, Tensor Obs, Tensor Actions) Setup(string torso)
    {
        var config = torso == "conv"
            ? new AgentNetworkConfig { Torso = "conv", Conv = [3], Dense = [16, 8], ModelLstm = 6, ModelHeadHidden = [5] }
            : new AgentNetworkConfig { Dense = [16, 8], ModelLstm = 6, ModelHeadHidden = [5] };
        var network = new AgentNetwork(config, new AgentHeads(4, 7, 0, true, 9), [5, 5, 2]);
        var parameters = network.Initialize(3).Select(p => p.to(float64).requires_grad_(true)).ToList();
        var generator = new Generator(5);
        var obs = rand([12, 5, 5, 2], dtype: float64, generator: generator);
        var actions = randint(0, 4, [12], dtype: int64, generator: generator);
        return (network, parameters, obs, actions);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("conv")]
    public void Forward_at_actions_matches_the_plain_forward_in_values_and_gradients(string torso)
    {
        var (network, p, obs, actions) = Setup(torso);
        var plain = network.Forward(p, obs);
        var (all, at) = network.ForwardAtActions(p, obs, actions);

        foreach (var (name, x, y) in new[] { ("logits", plain.Logits, all.Logits), ("y", plain.Y!, all.Y!), ("z", plain.Z!, all.Z!),
                     ("aux_pi", plain.AuxPi!, all.AuxPi!), ("q", plain.Q!, all.Q!) })
            Assert.True(allclose(x, y, rtol: 1e-12, atol: 1e-12), $"{name} differs");
        Assert.False(all.Z!.requires_grad || all.AuxPi!.requires_grad || all.Q!.requires_grad);
        Assert.True(all.Logits.requires_grad && all.Y!.requires_grad);

        Tensor Pick(Tensor table) => RuleMath.SelectAction(table.unsqueeze(0), actions.unsqueeze(0)).squeeze(0);   // [N, size]
        foreach (var (name, x, y) in new[] { ("z", Pick(plain.Z!), at.Z!), ("aux_pi", Pick(plain.AuxPi!), at.AuxPi), ("q", Pick(plain.Q!), at.Q) })
            Assert.True(allclose(x, y, rtol: 1e-12, atol: 1e-12), $"{name} at the actions differs");

        // A loss that reads every output the learner's losses differentiate.
        var weights = new Generator(9);
        Tensor Loss(Tensor logits, Tensor yOut, Tensor z, Tensor aux, Tensor q) =>
            (logits.square().sum() + (yOut * randn(yOut.shape, dtype: float64, generator: weights)).sum()
             + z.log_softmax(-1).sum() + aux.tanh().sum() + (q.softmax(-1) * randn(q.shape, dtype: float64, generator: weights)).sum());
        weights = new Generator(9);
        var expected = autograd.grad([Loss(plain.Logits, plain.Y!, Pick(plain.Z!), Pick(plain.AuxPi!), Pick(plain.Q!))], p);
        weights = new Generator(9);
        var actual = autograd.grad([Loss(all.Logits, all.Y!, at.Z!, at.AuxPi, at.Q)], p);
        for (int i = 0; i < p.Count; i++)
            Assert.True(allclose(expected[i], actual[i], rtol: 1e-10, atol: 1e-12), $"gradient of {network.Specs[i].Name} differs");
    }

    [Fact]
    public void Forward_at_actions_rejects_actions_of_the_wrong_shape_or_type()
    {
        var (network, p, obs, actions) = Setup("mlp");
        Assert.Throws<ArgumentException>(() => network.ForwardAtActions(p, obs, actions.narrow(0, 0, 5)));
        Assert.Throws<ArgumentException>(() => network.ForwardAtActions(p, obs, actions.to(int32)));
    }

    [Fact]
    public void The_losses_refuse_outputs_computed_at_other_actions()
    {
        var (network, p, obs, actions) = Setup("mlp");
        var (all, at) = network.ForwardAtActions(p, obs, actions);
        var rolloutActions = actions.reshape(3, 4);
        AgentOutputs Outputs(Tensor stored) => new AgentOutputs(all.Logits.reshape(3, 4, -1), all.Y!.reshape(3, 4, -1), all.Z!.reshape(3, 4, 4, -1),
            all.AuxPi!.reshape(3, 4, 4, -1), all.Q!.reshape(3, 4, 4, -1))
        {
            AtActions = new ModelAtActions(stored, at.Z!.reshape(3, 4, -1), at.AuxPi.reshape(3, 4, -1), at.Q.reshape(3, 4, -1)),
        };
        var ok = Outputs(rolloutActions).Taken(rolloutActions);
        Assert.Equal([2, 4, 7], ok.Z.shape);
        Assert.Throws<ArgumentException>(() => Outputs(rolloutActions.clone()).Taken(rolloutActions));
    }
}
