using Platform.Api.Pipelines;
using Platform.Data.Entities;
using Platform.Data.Environments;
using Platform.Data.Runs;

namespace Platform.Tests.Api;

/// <summary>
/// The pipeline's result table (<see cref="PipelineResults"/>) on made-up runs with three seeds: ProcGen scored on unseen test
/// levels and normalised by the catalogue's random and solver returns, MinAtar normalised by this pipeline's PPO (it has no
/// catalogue reference), the IQM of the normalised scores with an interval from the bootstrap, unfinished runs counted but not
/// scored, and in/out of distribution from the meta-train run's environments.
/// </summary>
public class PipelineResultsTests
{
    private static readonly Guid Team = Guid.NewGuid();

    private static Run Train(string env, string rule, long seed, RunStatus status, double? score, double? testLevels = null) => new()
    {
        Id = Guid.CreateVersion7(), TeamId = Team, Kind = RunKind.Train, Status = status, Spec = "{}", EnvironmentId = env, Rule = rule, Seed = seed,
        FinalScore = score, FinalReturnTestLevels = testLevels, TotalSteps = 1000, CurrentStep = status == RunStatus.Succeeded ? 1000 : 0,
    };

    [Fact]
    public void ScoresAreNormalisedPerEnvironmentAndEachRuleGetsAnIqmWithAnInterval()
    {
        var checkpoint = new Checkpoint { Id = Guid.CreateVersion7(), Name = "m", Sha256 = new string('0', 64), StorageUri = "x", Step = 200, ValidationReturn = 0.5, Selected = true };
        var rule = RuleReference.MetaNetwork(checkpoint.Id).ToString();
        var meta = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = Team, Kind = RunKind.MetaTrain, Status = RunStatus.Succeeded, EnvironmentId = "minatar/breakout", Rule = "random",
            Spec = RunSpecJson.Serialize(new MetaTrainRunSpec { Env = "minatar/breakout", Envs = ["minatar/breakout"], Init = "random", Steps = 400 }),
        };
        var pipeline = new Pipeline
        {
            Id = Guid.CreateVersion7(), TeamId = Team, Name = "p", Stage = PipelineStage.Evaluating, MetaTrainRunId = meta.Id, SelectedCheckpointId = checkpoint.Id,
            Definition = """{"metaTrain":{},"evaluation":{"envs":["minatar/breakout","procgen/maze"],"steps":1000,"seeds":[1,2,3],"baselines":["ppo"]}}""",
        };
        List<Run> runs =
        [
            meta,
            Train("minatar/breakout", rule, 1, RunStatus.Succeeded, 2.0), Train("minatar/breakout", rule, 2, RunStatus.Succeeded, 4.0),
            Train("minatar/breakout", rule, 3, RunStatus.Running, null),
            Train("minatar/breakout", "ppo", 1, RunStatus.Succeeded, 5.0), Train("minatar/breakout", "ppo", 2, RunStatus.Succeeded, 7.0),
            Train("minatar/breakout", "ppo", 3, RunStatus.Succeeded, 6.0),
            // ProcGen: the score is the test levels' (the training levels' FinalScore is deliberately different).
            Train("procgen/maze", rule, 1, RunStatus.Succeeded, 9.0, testLevels: 5.0), Train("procgen/maze", rule, 2, RunStatus.Succeeded, 9.0, testLevels: 6.0),
            Train("procgen/maze", rule, 3, RunStatus.Succeeded, 9.0, testLevels: 7.0),
            Train("procgen/maze", "ppo", 1, RunStatus.Succeeded, 9.0, testLevels: 4.0), Train("procgen/maze", "ppo", 2, RunStatus.Failed, null),
            Train("procgen/maze", "ppo", 3, RunStatus.Succeeded, 9.0, testLevels: 3.0),
        ];

        var dto = PipelineResults.Build(pipeline, runs, checkpoint);

        var breakout = EnvironmentCatalog.Get("minatar/breakout");
        var maze = EnvironmentCatalog.Get("procgen/maze");
        var envs = dto.Environments.ToDictionary(e => e.Env);
        Assert.True(envs["minatar/breakout"].InDistribution);
        Assert.False(envs["procgen/maze"].InDistribution);
        Assert.Equal((breakout.RandomReturn, 6.0), (envs["minatar/breakout"].Random!.Value, envs["minatar/breakout"].Reference!.Value));   // PPO's mean
        Assert.Equal((maze.RandomReturn, maze.ReferenceReturn), (envs["procgen/maze"].Random!.Value, envs["procgen/maze"].Reference!.Value));

        Assert.Equal(["selected-rule", "baseline"], dto.Rules.Select(r => r.Role));
        var selected = dto.Rules[0];
        Assert.Equal((rule, 6, 5), (selected.Rule, selected.Runs, selected.Finished));
        var cells = selected.Cells.ToDictionary(c => c.Env);
        Assert.Equal([2.0, 4.0], cells["minatar/breakout"].Scores);
        Assert.Equal((3, 2), (cells["minatar/breakout"].Runs, cells["minatar/breakout"].Finished));
        Assert.Equal([5.0, 6.0, 7.0], cells["procgen/maze"].Scores);
        Assert.Equal((3.0 - breakout.RandomReturn) / (6.0 - breakout.RandomReturn), cells["minatar/breakout"].MeanNormalised!.Value, 12);
        Assert.Equal((6.0 - maze.RandomReturn) / (maze.ReferenceReturn - maze.RandomReturn), cells["procgen/maze"].MeanNormalised!.Value, 12);

        // IQM over the five normalised scores: one cut from each end (⌊5/4⌋), the mean of the middle three.
        double B(double x) => (x - breakout.RandomReturn) / (6.0 - breakout.RandomReturn);
        double M(double x) => (x - maze.RandomReturn) / (maze.ReferenceReturn - maze.RandomReturn);
        var sorted = new[] { B(2), B(4), M(5), M(6), M(7) }.Order().ToArray();
        Assert.Equal(sorted[1..4].Average(), selected.Iqm!.Value, 12);
        Assert.Equal((2, 5), (selected.IqmEnvironments, selected.IqmScores));
        Assert.Null(selected.IqmNote);
        Assert.True(selected.IqmLow < selected.IqmHigh, $"[{selected.IqmLow}, {selected.IqmHigh}]");
        Assert.InRange(selected.Iqm.Value, selected.IqmLow!.Value, selected.IqmHigh!.Value);

        Assert.Equal(new[] { 4.0, 3.0 }, dto.Rules[1].Cells.Single(c => c.Env == "procgen/maze").Scores);
        Assert.Equal((200L, 0.5), (dto.SelectedRule!.MetaStep, dto.SelectedRule.ValidationReturn));
        Assert.Equal("evaluating", dto.Stage);
        Assert.Equal(1, dto.Counts["running"]);
    }

    [Fact]
    public void WithoutPpoMinAtarCannotBeNormalisedAndSaysWhy()
    {
        var meta = new Run { Id = Guid.CreateVersion7(), TeamId = Team, Kind = RunKind.MetaTrain, Status = RunStatus.Running, EnvironmentId = "catch/5x5", Rule = "random",
            Spec = RunSpecJson.Serialize(new MetaTrainRunSpec { Env = "catch/5x5", Envs = ["catch/5x5"], Init = "random", Steps = 4 }) };
        var pipeline = new Pipeline
        {
            Id = Guid.CreateVersion7(), TeamId = Team, Name = "p", Stage = PipelineStage.MetaTraining, MetaTrainRunId = meta.Id,
            Definition = """{"metaTrain":{},"evaluation":{"envs":["minatar/breakout"],"steps":1000,"seeds":[1],"baselines":["disco103"]}}""",
        };
        var dto = PipelineResults.Build(pipeline, [meta, Train("minatar/breakout", "disco103", 1, RunStatus.Succeeded, 3.0)], null);
        var env = Assert.Single(dto.Environments);
        Assert.Null(env.Reference);
        Assert.Contains("ppo", env.Unavailable);
        Assert.Null(dto.SelectedRule);
        Assert.Null(dto.Rules[0].Rule);                        // no selected rule yet: an empty row
        Assert.Equal(0, dto.Rules[0].Runs);
        var disco = dto.Rules[1];
        Assert.Equal([3.0], disco.Cells.Single().Scores);
        Assert.Null(disco.Cells.Single().MeanNormalised);
        Assert.Null(disco.Iqm);
    }
}
