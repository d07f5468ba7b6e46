using Platform.Workers.Jobs;

namespace Platform.Tests.Jobs;

/// <summary>The meta-train and evaluate command lines the worker builds from a run's stored spec, and the evaluate output it reads.</summary>
public class RunKindCommandLineTests
{
    private const string MetaSpec = """
        {"kind":"meta-train","env":"catch/5x5","rule":"random","steps":40,"seed":9,"queue":"cpu",
         "hyperparameters":{"agents":3,"inner-lr":0.0005,"net":"small"},"tags":[],"metaNetworkCheckpointId":null,
         "envs":["catch/5x5","catch/8x8"],"init":"random","agentCheckpointId":null,"episodes":null,"greedy":null}
        """;

    [Fact]
    public void MetaTrainCommandLineFromSpec()
    {
        var spec = MetaTrainSpec.Parse(MetaSpec);
        Assert.Equal(["catch/5x5", "catch/8x8"], spec.Envs);
        Assert.Equal(40, spec.MetaSteps);
        Assert.Equal(
            ["meta-train", "--envs", "catch/5x5,catch/8x8", "--meta-steps", "40", "--out", "/runs/m1", "--init", "random", "--seed", "9",
             "--device", "cpu", "--agents", "3", "--inner-lr", "0.0005", "--net", "small"],
            MetaTrainCommandLine.Build(spec, spec.Init, "/runs/m1", resume: false, gpu: false));
        // A meta-network checkpoint as the starting rule, on the gpu queue.
        var fromCheckpoint = MetaTrainCommandLine.Build(spec, "npz:/store/m.npz", "/runs/m1", resume: false, gpu: true);
        Assert.Equal("npz:/store/m.npz", fromCheckpoint[fromCheckpoint.ToList().IndexOf("--init") + 1]);
        Assert.Equal("cuda", fromCheckpoint[fromCheckpoint.ToList().IndexOf("--device") + 1]);
        // Resuming: the configuration comes from DIR/run.json; only the budget and the device are given.
        Assert.Equal(["meta-train", "--resume", "/runs/m1", "--meta-steps", "40", "--device", "cpu"],
            MetaTrainCommandLine.Build(spec, spec.Init, "/runs/m1", resume: true, gpu: false));
    }

    [Theory]
    [InlineData("""{"envs":["catch/5x5"],"steps":4,"seed":1,"hyperparameters":{"out":"/etc"}}""")]
    [InlineData("""{"envs":["catch/5x5"],"steps":4,"seed":1,"hyperparameters":{"resume":"/x"}}""")]
    [InlineData("""{"envs":["catch/5x5"],"steps":4,"seed":1,"hyperparameters":{"Meta-Steps":1}}""")]
    public void MetaTrainHyperparametersCannotOverrideFixedOptions(string json) =>
        Assert.Throws<FormatException>(() => MetaTrainCommandLine.Build(MetaTrainSpec.Parse(json), "random", "/o", false, false));

    [Theory]
    [InlineData("""{"steps":4,"seed":1}""")]                                // no envs
    [InlineData("""{"envs":[],"steps":4,"seed":1}""")]                      // empty
    [InlineData("""{"envs":["catch/5x5,catch/8x8"],"steps":4,"seed":1}""")] // would split into two
    [InlineData("""{"envs":["catch/5x5"],"steps":1.5,"seed":1}""")]         // not an integer
    [InlineData("""{"envs":["catch/5x5"],"seed":1}""")]                     // no budget
    public void MalformedMetaTrainSpecIsRefused(string json) =>
        Assert.Throws<FormatException>(() => MetaTrainSpec.Parse(json));

    [Theory]
    [InlineData("meta-step-000000000120", 120L)]
    [InlineData("meta-step-000000000000", 0L)]
    [InlineData("step-000000000120", null)]
    [InlineData("meta-step-12a", null)]
    [InlineData("meta-step--1", null)]
    public void MetaStepOfCheckpointFolder(string name, long? step) => Assert.Equal(step, MetaTrainCommandLine.StepOf(name));

    [Fact]
    public void EvaluateCommandLineFromSpec()
    {
        var id = Guid.NewGuid();
        var spec = EvaluateSpec.Parse($$"""{"kind":"evaluate","env":"catch/8x8","rule":"ppo","steps":50,"seed":12,"agentCheckpointId":"{{id}}","episodes":50,"greedy":true}""");
        Assert.Equal(id, spec.AgentCheckpointId);
        Assert.Equal(["evaluate", "--checkpoint", "/r/agent/checkpoints/checkpoint", "--env", "catch/8x8", "--episodes", "50", "--greedy",
            "--seed", "12", "--device", "cpu"], EvaluateCommandLine.Build(spec, "/r/agent/checkpoints/checkpoint", gpu: false));
        var sampled = EvaluateSpec.Parse($$"""{"env":"catch/8x8","seed":1,"agentCheckpointId":"{{id}}","episodes":5,"greedy":false}""");
        Assert.DoesNotContain("--greedy", EvaluateCommandLine.Build(sampled, "/c", gpu: true));
        Assert.Throws<FormatException>(() => EvaluateSpec.Parse("""{"env":"catch/8x8","seed":1,"episodes":5}"""));
        Assert.Throws<FormatException>(() => EvaluateSpec.Parse($$"""{"env":"catch/8x8","seed":1,"agentCheckpointId":"{{id}}","episodes":0}"""));
    }

    [Fact]
    public void EvaluateResultIsTheLastLine()
    {
        Assert.Equal((0.52, 100), EvaluateCommandLine.ParseResult(
            ["checkpoint=/x env=catch/8x8 rule=ppo policy=greedy", "min=-1 max=1", "mean_return=0.52 episodes=100", ""]));
        Assert.Equal((-1.5e-3, 7), EvaluateCommandLine.ParseResult(["mean_return=-1.5E-03 episodes=7"]));
        Assert.Null(EvaluateCommandLine.ParseResult(["mean_return=0.5 episodes=10", "then something else"]));
        Assert.Null(EvaluateCommandLine.ParseResult(["mean_return=NaN episodes=10"]));
        Assert.Null(EvaluateCommandLine.ParseResult([]));
    }
}
