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
            Assert.Equal(option.HelpLine, help.Description);
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
        var (code, stdout, stderr) = WorkerCli.Run(kind, "--help");
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
        Assert.Equal(TrainOptions.LogEvery.IntDefault, train.LogEvery);
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
            foreach (var value in option.SuiteDefaults.Select(d => d.Value).Append(option.Default ?? default).Where(v => v.ValueKind != JsonValueKind.Undefined))
                Assert.True(option.Check(value) is null, $"{option.Name}: default {value} is outside its own range ({option.RangeDescription})");
        }
        Assert.Throws<ArgumentException>(() => AgentNetworkConfig.Named("huge"));
    }

    [Fact]
    public void TheRulesPublishedDefaultsAreTheOnesTheTableNames()
    {
        // lr and entropy-cost default to each rule's published value; the table says which, and must say it right.
        static string G(double x) => x.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
        static string E(double x) => x.ToString("0.##e0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"disco103 {E(new DiscoLearnerRule(null!, "disco103").DefaultLearningRate)}", TrainOptions.LearningRate.DefaultDescription);
        Assert.Contains($"actor-critic {E(new Platform.Workers.UpdateRules.ActorCritic.ActorCriticHyperParameters().LearningRate)}", TrainOptions.LearningRate.DefaultDescription);
        Assert.Contains($"ppo {E(new Platform.Workers.UpdateRules.Ppo.PpoHyperParameters().LearningRate)}", TrainOptions.LearningRate.DefaultDescription);
        Assert.Contains($"actor-critic {G(new Platform.Workers.UpdateRules.ActorCritic.ActorCriticHyperParameters().EntropyCost)}", TrainOptions.EntropyCost.DefaultDescription);
        Assert.Contains($"ppo {G(new Platform.Workers.UpdateRules.Ppo.PpoHyperParameters().EntropyCost)}", TrainOptions.EntropyCost.DefaultDescription);
    }

    [Fact]
    public void TheCliBindsTheTablesSuiteDefaults()
    {
        // catch: demo; elsewhere small-conv — read back from run.json of a 1-step run's folder.
        foreach (var (env, expected) in new[] { ("catch/5x5", "demo"), ("minatar/breakout", "small-conv") })
        {
            var dir = Path.Combine(Path.GetTempPath(), "opt-" + Guid.NewGuid().ToString("N"));
            try
            {
                var (code, _, err) = WorkerCli.Run("train", "--env", env, "--rule", "ppo", "--steps", "1", "--batch", "2", "--rollout", "2", "--out", dir);
                Assert.True(code == 0, err);
                var config = RunFolder.ReadConfig<TrainConfig>(dir);
                Assert.Equal(Json(AgentNetworkConfig.Named(TrainOptions.Network.StringDefaultFor(Platform.Data.Environments.EnvironmentCatalog.Get(env).Suite))), Json(config.Network));
                Assert.Equal(Json(AgentNetworkConfig.Named(expected)), Json(config.Network));
                Assert.Equal(TrainOptions.DefaultCheckpointEvery(1), config.CheckpointEvery);
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        }
    }
}
