using Platform.Workers;
using Platform.Workers.Cli;
using Platform.Workers.Jobs;
using Spectre.Console.Cli;

// A trainer child started by the worker confines its writes to its run folder before anything else runs.
if (WriteConfinement.ApplyRequested() is { } notConfined) Console.Error.WriteLine("warning: " + notConfined);

// The worker CLI: each verb lives in Cli/<Verb>Command.cs.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("platform-workers");
    config.PropagateExceptions();
    // An unknown option is an error, not silently ignored: a typo (or a value smuggled in as an option) is named.
    config.UseStrictParsing();
    config.AddCommand<TorchInfoCommand>("torch-info")
        .WithDescription("Checks that TorchSharp loads here: tensors, autograd, second-order gradients.");
    config.AddCommand<VerifyGoldenCommand>("verify-golden")
        .WithDescription("Compares our Disco103 rule with a reference golden file, array by array.");
    config.AddCommand<BenchRuleCommand>("bench-rule")
        .WithDescription("Times one Disco rule application (forward, forward+backward) against fp32 matmul.");
    config.AddCommand<WorkerCommand>("worker")
        .WithDescription("Serves the platform's job queues (Hangfire on PostgreSQL): runs each run in a child process.");
    config.AddCommand<EnvsCommand>("envs")
        .WithDescription("Lists the environment ids with suite, actions, observation shape and normalisation constants.");
    config.AddCommand<BenchEnvsCommand>("bench-envs")
        .WithDescription("Single-thread env steps per second, random actions, observations written: one line 'ID <steps/s>' per environment.");
    config.AddCommand<MeasureEnvsCommand>("measure-envs")
        .WithDescription("Measures normalisation constants: random-policy return and (ProcGen) solver return per environment.");
    config.AddCommand<TrainCommand>("train")
        .WithDescription("Trains an agent with a rule (disco103, actor-critic, ppo, npz:PATH) on an environment; metrics, checkpoints, resume.");
    config.AddCommand<MetaTrainCommand>("meta-train")
        .WithDescription("Meta-trains the Disco rule on a population of agents; checkpoints in the Disco103 .npz layout.");
    config.AddCommand<EvaluateCommand>("evaluate")
        .WithDescription("Runs a trained checkpoint for K episodes; last line 'mean_return=<x> episodes=<k>'.");
    config.AddCommand<InspectRuleCommand>("inspect-rule")
        .WithDescription("What a rule asks of a checkpoint's agent (pi_hat, implied advantage) beside GAE and Q advantages; probes of y and z; a JSON report.");
    config.AddCommand<BenchLearnerCommand>("bench-learner")
        .WithDescription("Learner loop throughput: env steps/s, learner updates/s, share of time in actor, forward, rule, backward.");
    config.AddCommand<PlotCommand>("plot")
        .WithDescription("Learning curves of training runs (grouped by rule, mean over seeds) as a PNG.");
    config.AddCommand<ReplayCommand>("replay")
        .WithDescription("Records an episode replay of an environment under a policy into an animated GIF.");
});
try
{
    return await app.RunAsync(args);
}
catch (CommandParseException ex) { return CliErrors.Usage(ex.Message); }
catch (CommandRuntimeException ex) { return CliErrors.Usage(ex.Message); }
catch (CliUsageException ex) { return CliErrors.Usage(ex.Message); }
