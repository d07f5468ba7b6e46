using Platform.Workers.Cli;
using Platform.Workers.Jobs;
using Spectre.Console.Cli;

// The worker CLI: each verb lives in Cli/<Verb>Command.cs.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("platform-workers");
    config.PropagateExceptions();
    config.AddCommand<TorchInfoCommand>("torch-info")
        .WithDescription("Checks that TorchSharp loads here: tensors, autograd, second-order gradients.");
    config.AddCommand<VerifyGoldenCommand>("verify-golden")
        .WithDescription("Compares our Disco103 rule with a reference golden file, array by array.");
    config.AddCommand<BenchRuleCommand>("bench-rule")
        .WithDescription("Times one Disco rule application (forward, forward+backward) against fp32 matmul.");
    config.AddCommand<WorkerCommand>("worker")
        .WithDescription("Serves the platform's job queues (Hangfire on PostgreSQL): runs each run in a child process.");
});
try
{
    return await app.RunAsync(args);
}
catch (CommandParseException ex) { return CliErrors.Usage(ex.Message); }
catch (CommandRuntimeException ex) { return CliErrors.Usage(ex.Message); }
catch (CliUsageException ex) { return CliErrors.Usage(ex.Message); }
