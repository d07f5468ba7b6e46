using System.Reflection;
using System.Text.Json;
using Platform.Data.Runs;
using Platform.Tests.Learning;
using Platform.Workers.Agents;
using Platform.Workers.Cli;
using Platform.Workers.Learning;
using Platform.Workers.MetaTraining;
using Spectre.Console.Cli;

namespace Platform.Tests.Runs;

/// <summary>
/// The run-option tables are the one declaration of every run option: these tests fail when the CLI's settings, its
/// help, or the config records' defaults drift from them. (The API and the form are checked against them in
/// Api/RunOptionsApiTests and EndToEnd/RunOptionsWebTests.)
/// </summary>
public class RunOptionTableTests
{
    public static TheoryData<string, Type> Verbs() => new()
    {
        { RunOptionTables.Train, typeof(TrainCommand.Settings) },
        { RunOptionTables.MetaTrain, typeof(MetaTrainCommand.Settings) },
        { RunOptionTables.Evaluate, typeof(EvaluateCommand.Settings) },
        { RunOptionTables.Inspect, typeof(InspectRuleCommand.Settings) },
    };

    private static Dictionary<string, PropertyInfo> CliOptions(Type settings) =>
        settings.GetProperties().Where(p => p.GetCustomAttribute<CommandOptionAttribute>() is not null)
            .ToDictionary(p => p.GetCustomAttribute<CommandOptionAttribute>()!.LongNames.Single());

    [Theory]
    [MemberData(nameof(Verbs))]
    public void EveryTableOptionIsACliOptionOfItsTypeWithTheTablesHelp(string kind, Type settings)
    {
        var cli = CliOptions(settings);
        foreach (var option in RunOptionTables.All[kind])
        {
            Assert.True(cli.TryGetValue(option.Name, out var property), $"{kind}: the CLI has no --{option.Name}");
            var help = property!.GetCustomAttribute<RunOptionHelpAttribute>();
            Assert.True(help is not null, $"{kind} --{option.Name}: its help is not taken from the table");
            Assert.Same(option.Name, help!.Option.Name);
            Assert.Equal(Spectre.Console.Markup.Escape(option.HelpLine), help.Description); // escaped: Spectre reads markup
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var expected = option.Type switch
            {
                RunOptionType.Integer => new[] { typeof(int), typeof(long), typeof(ulong) },
                RunOptionType.Number => [typeof(double)],
                RunOptionType.Boolean => [typeof(bool)],
                _ => [typeof(string)],
            };
            Assert.Contains(type, expected);
        }
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void CliHelpShowsEachOptionsHelpLine(string kind, Type settings)
    {
        _ = settings;
        // Each kind's verb is its name, but for the inspector's (inspect-rule, the name issue #17 gives it).
        var (code, stdout, stderr) = WorkerCli.Run(kind == RunOptionTables.Inspect ? "inspect-rule" : kind, "--help");
        Assert.True(code == 0, stderr);
        // Spectre wraps long lines to the console width: compare without whitespace.
        static string Squash(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
        var help = Squash(stdout);
        foreach (var option in RunOptionTables.All[kind])
        {
            Assert.Contains(option.Flag, stdout);
            // (Spectre drops a description's final full stop.)
            Assert.Contains(Squash(option.HelpLine.TrimEnd('.')), help);
        }
    }

    /// <summary>Network configs hold arrays, so records compare them by reference: compare their JSON.</summary>
    private static string Json(AgentNetworkConfig config) => JsonSerializer.Serialize(config);

    [Fact]
    public void ConfigRecordsTakeTheirDefaultsFromTheTables()
    {
        var train = new TrainConfig { Env = "catch/8x8" };
        Assert.Equal(TrainOptions.Steps.LongDefault, train.Steps);
        Assert.Equal(TrainOptions.Rollout.IntDefault, train.RolloutLength);
        Assert.Equal(TrainOptions.Batch.IntDefault, train.BatchSize);
        Assert.Equal(TrainOptions.DefaultReplayRatio(train.BatchSize), train.ReplayRatio);
        Assert.Equal(TrainOptions.ReplayCapacity.IntDefault, train.ReplayCapacity);
        Assert.Null(train.LogEvery);   // from the budget, once the trainer knows its steps per iteration
        train.Validate();

        var meta = new MetaTrainConfig();
        Assert.Equal(MetaTrainOptions.MetaSteps.LongDefault, meta.MetaSteps);
        Assert.Equal(MetaTrainOptions.Agents.IntDefault, meta.Agents);
        Assert.Equal(MetaTrainOptions.InnerSteps.IntDefault, meta.InnerSteps);
        Assert.Equal(MetaTrainOptions.Rollout.IntDefault, meta.RolloutLength);
        Assert.Equal(MetaTrainOptions.Batch.IntDefault, meta.BatchSize);
        Assert.Equal(MetaTrainOptions.InnerLearningRate.DoubleDefault, meta.InnerLearningRate);
        Assert.Equal(MetaTrainOptions.MetaLearningRate.DoubleDefault, meta.MetaLearningRate);
        Assert.Equal(MetaTrainOptions.MetaGradClip.DoubleDefault, meta.MetaGradClip);
        Assert.Equal(MetaTrainOptions.Lifetime.LongDefault, meta.Lifetime);
        Assert.Equal(MetaTrainOptions.CheckpointEvery.LongDefault, meta.CheckpointEvery);
        Assert.Equal(new MetaLossSettings(MetaTrainOptions.EntropyCost.DoubleDefault, MetaTrainOptions.PredictionEntropyCost.DoubleDefault,
            MetaTrainOptions.OutputMeanCost.DoubleDefault, MetaTrainOptions.TargetKlCost.DoubleDefault), meta.Loss);
        Assert.Equal(Json(AgentNetworkConfig.Named(MetaTrainOptions.Network.StringDefaultFor(null))), Json(meta.Network));
        meta.Validate();
    }

    [Fact]
    public void EveryNetworkChoiceIsANetworkAndEveryDefaultIsInsideItsRange()
    {
        foreach (var option in RunOptionTables.All.Values.SelectMany(t => t))
        {
            if (option.Name == "net")
                foreach (var choice in option.Choices!) AgentNetworkConfig.Named(choice).Validate();
            foreach (var value in option.ScopedDefaults.Select(d => d.Value).Append(option.Default ?? default).Where(v => v.ValueKind != JsonValueKind.Undefined))
                Assert.True(option.Check(value) is null, $"{option.Name}: default {value} is outside its own range ({option.RangeDescription})");
        }
        Assert.Throws<ArgumentException>(() => AgentNetworkConfig.Named("huge"));
    }

    [Fact]
    public void TheRulesPublishedDefaultsAreTheOnesTheTableNames()
    {
        // Away from Catch, lr and entropy-cost default to each rule's published value, which its rule record also holds
        // (Disco rules on MinAtar excepted: they take the measured regime, below).
        var ac = new Platform.Workers.UpdateRules.ActorCritic.ActorCriticHyperParameters();
        var ppo = new Platform.Workers.UpdateRules.Ppo.PpoHyperParameters();
        foreach (var suite in new[] { "minatar", "procgen" })
        {
            if (suite != "minatar")
                Assert.Equal(new DiscoLearnerRule(null!, "disco103").DefaultLearningRate, TrainOptions.LearningRate.DoubleDefaultFor(suite, "disco103"));
            Assert.Equal(ac.LearningRate, TrainOptions.LearningRate.DoubleDefaultFor(suite, "actor-critic"));
            Assert.Equal(ppo.LearningRate, TrainOptions.LearningRate.DoubleDefaultFor(suite, "ppo"));
            Assert.Equal(ac.EntropyCost, TrainOptions.EntropyCost.DoubleDefaultFor(suite, "actor-critic"));
            Assert.Equal(ppo.EntropyCost, TrainOptions.EntropyCost.DoubleDefaultFor(suite, "ppo"));
            Assert.Null(TrainOptions.EntropyCost.DoubleDefaultFor(suite, "disco103"));
        }
        // A team's meta-network (or an npz file) takes disco103's defaults.
        Assert.Equal(1e-2, TrainOptions.LearningRate.DoubleDefaultFor("catch", $"meta-network:{Guid.NewGuid()}"));
        Assert.Equal(1e-2, TrainOptions.LearningRate.DoubleDefaultFor("minatar", "npz:/x.npz"));
        Assert.Equal(3e-4, TrainOptions.LearningRate.DoubleDefaultFor("procgen", "npz:/x.npz"));
    }

    [Fact]
    public void EveryScopedDefaultNamesAKnownSuiteAndRuleFamilyAndItsSourceOnce()
    {
        var suites = Platform.Data.Environments.EnvironmentCatalog.Suites.Select(s => s.Id).ToHashSet();
        foreach (var option in RunOptionTables.All.Values.SelectMany(t => t))
        {
            foreach (var d in option.ScopedDefaults)
            {
                Assert.True(d.Suite is null || suites.Contains(d.Suite), $"{option.Name}: unknown suite {d.Suite}");
                Assert.True(d.Rule is null || RuleCatalog.DefaultsFamily(d.Rule) == d.Rule && RuleCatalog.IsNamed(d.Rule), $"{option.Name}: {d.Rule} is not a defaults family");
                Assert.False(string.IsNullOrWhiteSpace(d.Source), $"{option.Name} ({d.Scope}): no source");
            }
            Assert.Equal(option.ScopedDefaults.Count, option.ScopedDefaults.Select(d => (d.Suite, d.Rule)).Distinct().Count());
        }
    }

    /// <summary>
    /// A run from <c>--env --rule --steps --seed</c> alone takes the table's defaults for its suite and rule: read back
    /// from run.json of a 1-step run per case, against the table (and, for Catch, the values the learning report used).
    /// </summary>
    [Theory]
    [InlineData("catch/5x5", "disco103", 1e-2, 32, 16, "small")]
    [InlineData("catch/8x8", "actor-critic", 2e-3, 32, 16, "small")]
    [InlineData("catch/8x8", "ppo", 2.5e-3, 16, 16, "small")]
    [InlineData("minatar/breakout", "disco103", 1e-2, 32, 16, "small-conv")]
    [InlineData("procgen/maze", "disco103", 3e-4, 64, 32, "small-conv")]
    [InlineData("minatar/breakout", "ppo", 2.5e-4, 64, 32, "small-conv")]
    public void TheCliBindsTheTablesDefaultsForTheSuiteAndRule(string env, string rule, double lr, int batch, int replayRatio, string net)
    {
        var dir = Path.Combine(Path.GetTempPath(), "opt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, _, err) = WorkerCli.Run("train", "--env", env, "--rule", rule, "--steps", "1", "--seed", "3", "--out", dir);
            Assert.True(code == 0, err);
            var config = RunFolder.ReadConfig<TrainConfig>(dir);
            var suite = Platform.Data.Environments.EnvironmentCatalog.Get(env).Suite;
            // run.json holds the log interval the trainer chose from the budget: a one-step run logs on its only iteration.
            Assert.Equal(Json(TrainConfig.FromOptions(env, rule, steps: 1, seed: 3) with { LogEvery = 1 }), Json(config));
            Assert.Equal(TrainOptions.LearningRate.DoubleDefaultFor(suite, rule), config.LearningRate);
            Assert.Equal(TrainOptions.EntropyCost.DoubleDefaultFor(suite, rule), config.EntropyCost);
            Assert.Equal((lr, batch, replayRatio), (config.LearningRate!.Value, config.BatchSize, config.ReplayRatio));
            Assert.Equal(Json(AgentNetworkConfig.Named(net)), Json(config.Network));
            Assert.Equal(TrainOptions.DefaultCheckpointEvery(1), config.CheckpointEvery);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    private static string Json(TrainConfig config) => JsonSerializer.Serialize(config);

    [Fact]
    public void MetaTrainsDefaultAgentIsTheReferenceColabs()
    {
        // The reference meta-training colab's agent: mlp dense (512, 512), LSTM model with lstm_size 256 and
        // head_mlp_hiddens (256,), head_w_init_std 1e-2.
        var colab = AgentNetworkConfig.Named(MetaTrainOptions.Network.StringDefaultFor(null));
        Assert.Equal(("mlp", 256, 1e-2), (colab.Torso, colab.ModelLstm, colab.HeadInitStd));
        Assert.Equal([512, 512], colab.Dense);
        Assert.Equal([256], colab.ModelHeadHidden);
        Assert.Equal(Json(colab), Json(new MetaTrainConfig().Network));
    }

    [Theory]
    [InlineData("catch", "disco103", null, 32, 16)]
    [InlineData("catch", "disco103", 8, 8, 8)]        // a suite's replay ratio is a most, as the general 32: a smaller batch wins
    [InlineData("catch", "actor-critic", 4, 4, 4)]
    [InlineData("catch", "ppo", null, 16, 16)]
    [InlineData("minatar", "disco103", null, 32, 16)]
    [InlineData("procgen", "disco103", null, 64, 32)]
    [InlineData("minatar", "actor-critic", null, 64, 32)]
    [InlineData("minatar", "disco103", 8, 8, 8)]
    public void TheDefaultReplayRatioNeverExceedsTheBatch(string suite, string rule, int? batch, int expectedBatch, int expectedRatio)
    {
        var (b, r, capacity) = TrainOptions.Replay(suite, rule, batch, null, null);
        Assert.Equal((expectedBatch, expectedRatio), (b, r));
        Assert.Empty(TrainOptions.CheckTogether(b, r, capacity));
    }
}
