using System.Text.Json;
using Platform.Data.Runs;
using Platform.Workers.Jobs;

namespace Platform.Tests.Jobs;

/// <summary>The meta-train and evaluate command lines the worker builds from a run's stored spec, and the evaluate output it reads.</summary>
public class RunKindCommandLineTests
{
    // As jsonb returns it: keys in its own order, "kind" not first.
    private const string MetaSpec = """
        {"env":"catch/5x5","envs":["catch/5x5","catch/8x8"],"init":"random","kind":"meta-train","seed":9,"steps":40,"queue":"cpu","tags":[],
         "hyperparameters":{"agents":3,"inner-lr":0.0005,"net":"small"},"metaNetworkCheckpointId":null}
        """;

    [Fact]
    public void MetaTrainCommandLineFromSpec()
    {
        var spec = Assert.IsType<MetaTrainRunSpec>(RunSpecJson.Deserialize(MetaSpec));
        Assert.Equal(["catch/5x5", "catch/8x8"], spec.Envs);
        Assert.Equal(40, spec.Steps);
        Assert.Equal(
            ["meta-train", "--agents=3", "--inner-lr=0.0005", "--net=small",
             "--envs", "catch/5x5,catch/8x8", "--meta-steps", "40", "--init", "random", "--seed", "9", "--out", "/runs/m1", "--device", "cpu"],
            ChildCommandLines.MetaTrain(spec, spec.Init, "/runs/m1", resume: false, device: "cpu"));
        // A meta-network checkpoint as the starting rule, on the gpu queue.
        var fromCheckpoint = ChildCommandLines.MetaTrain(spec, "npz:/store/m.npz", "/runs/m1", resume: false, device: "cuda").ToList();
        Assert.Equal("npz:/store/m.npz", fromCheckpoint[fromCheckpoint.IndexOf("--init") + 1]);
        Assert.Equal("cuda", fromCheckpoint[fromCheckpoint.IndexOf("--device") + 1]);
        // Resuming: the configuration comes from DIR/run.json; only the budget and the device are given.
        Assert.Equal(["meta-train", "--resume", "/runs/m1", "--meta-steps", "40", "--device", "cpu"],
            ChildCommandLines.MetaTrain(spec, spec.Init, "/runs/m1", resume: true, device: "cpu"));
    }

    [Theory]
    [InlineData("""{"out":"/etc"}""")]
    [InlineData("""{"resume":"/x"}""")]
    [InlineData("""{"Meta-Steps":1}""")]
    [InlineData("""{"agents":0}""")]
    [InlineData("""{"net":"huge"}""")]
    public void MetaTrainHyperparametersMustBeTypedOptionsOfTheTable(string hyperparameters)
    {
        var spec = (MetaTrainRunSpec)RunSpecJson.Deserialize(
            $$"""{"kind":"meta-train","env":"catch/5x5","envs":["catch/5x5"],"init":"random","steps":4,"seed":1,"hyperparameters":{{hyperparameters}}}""");
        Assert.Throws<FormatException>(() => ChildCommandLines.MetaTrain(spec, "random", "/o", false, "cpu"));
    }

    [Theory]
    [InlineData("""{"kind":"meta-train","env":"catch/5x5","init":"random","steps":4,"seed":1}""")]                                   // no envs
    [InlineData("""{"kind":"meta-train","env":"catch/5x5","envs":["catch/5x5"],"init":"random","steps":1.5,"seed":1}""")]           // not an integer
    [InlineData("""{"kind":"meta-train","env":"catch/5x5","envs":["catch/5x5"],"init":"random","seed":1}""")]                       // no budget
    [InlineData("""{"kind":"sarsa","env":"catch/5x5","steps":4}""")]                                                                // no such kind
    [InlineData("""{"env":"catch/5x5","steps":4}""")]                                                                               // no kind
    public void MalformedSpecIsRefused(string json) =>
        Assert.ThrowsAny<JsonException>(() => RunSpecJson.Deserialize(json));

    [Theory]
    [InlineData("""{"kind":"meta-train","env":"catch/5x5","envs":[],"init":"random","steps":4,"seed":1}""")]
    [InlineData("""{"kind":"meta-train","env":"catch/5x5","envs":["catch/5x5,catch/8x8"],"init":"random","steps":4,"seed":1}""")] // would split into two
    public void UnusableEnvironmentListIsRefused(string json) =>
        Assert.Throws<FormatException>(() => ChildCommandLines.MetaTrain((MetaTrainRunSpec)RunSpecJson.Deserialize(json), "random", "/o", false, "cpu"));

    [Fact]
    public void MetaNetworkInitOfSpecsStoredBeforeInitNamedIt()
    {
        var id = Guid.NewGuid();
        var old = (MetaTrainRunSpec)RunSpecJson.Deserialize(
            $$"""{"kind":"meta-train","env":"catch/5x5","envs":["catch/5x5"],"init":"meta-network","steps":4,"seed":1,"metaNetworkCheckpointId":"{{id}}"}""");
        Assert.Equal(id, old.InitMetaNetwork);
        var now = (MetaTrainRunSpec)RunSpecJson.Deserialize(
            $$"""{"kind":"meta-train","env":"catch/5x5","envs":["catch/5x5"],"init":"meta-network:{{id}}","steps":4,"seed":1}""");
        Assert.Equal(id, now.InitMetaNetwork);
    }

    [Theory]
    [InlineData("meta-step-000000000120", 120L)]
    [InlineData("meta-step-000000000000", 0L)]
    [InlineData("step-000000000120", null)]
    [InlineData("meta-step-12a", null)]
    [InlineData("meta-step--1", null)]
    public void MetaStepOfCheckpointFolder(string name, long? step) =>
        Assert.Equal(step, RunFolderLayout.StepOf(name, RunFolderLayout.MetaCheckpointPrefix));

    [Fact]
    public void EvaluateCommandLineFromSpec()
    {
        var id = Guid.NewGuid();
        var spec = (EvaluateRunSpec)RunSpecJson.Deserialize(
            $$"""{"kind":"evaluate","env":"catch/8x8","rule":"ppo","steps":50,"seed":12,"agentCheckpointId":"{{id}}","episodes":50,"greedy":true}""");
        Assert.Equal(id, spec.AgentCheckpointId);
        Assert.Equal(["evaluate", "--checkpoint", "/r/agent/checkpoints/checkpoint", "--env", "catch/8x8", "--episodes", "50", "--greedy",
            "--seed", "12", "--out", "/r", "--device", "cpu"], ChildCommandLines.Evaluate(spec, "/r/agent/checkpoints/checkpoint", "/r", "cpu"));
        var sampled = spec with { Greedy = false, Episodes = 5 };
        Assert.DoesNotContain("--greedy", ChildCommandLines.Evaluate(sampled, "/c", "/r", "cuda"));
        Assert.Throws<FormatException>(() => ChildCommandLines.Evaluate(spec with { Episodes = 0 }, "/c", "/r", "cpu"));
        Assert.Equal(["--levels", "test"], ChildCommandLines.Evaluate(spec with { Env = "procgen/maze", Levels = "test" }, "/c", "/r", "cpu")
            .SkipWhile(a => a != "--levels").Take(2));
        Assert.DoesNotContain("--levels", ChildCommandLines.Evaluate(spec with { Levels = "train" }, "/c", "/r", "cpu"));
        Assert.Throws<FormatException>(() => ChildCommandLines.Evaluate(spec with { Levels = "--out=/tmp" }, "/c", "/r", "cpu"));
        Assert.ThrowsAny<JsonException>(() => RunSpecJson.Deserialize("""{"kind":"evaluate","env":"catch/8x8","rule":"ppo","steps":5,"seed":1,"episodes":5}"""));
    }

    [Fact]
    public void EvaluateResultIsTheLastLine()
    {
        Assert.Equal((0.52, 100), RunFolderLayout.ParseEvaluateResult(
            ["checkpoint=/x env=catch/8x8 rule=ppo policy=greedy", "min=-1 max=1", "mean_return=0.52 episodes=100", ""]));
        Assert.Equal((-1.5e-3, 7), RunFolderLayout.ParseEvaluateResult(["mean_return=-1.5E-03 episodes=7"]));
        Assert.Null(RunFolderLayout.ParseEvaluateResult(["mean_return=0.5 episodes=10", "then something else"]));
        Assert.Null(RunFolderLayout.ParseEvaluateResult(["mean_return=NaN episodes=10"]));
        Assert.Null(RunFolderLayout.ParseEvaluateResult([]));
        Assert.Equal((0.25, 40), RunFolderLayout.ParseEvaluateResult([RunFolderLayout.EvaluateResultLine(0.25, 40)]));
    }
}
