using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Data.Jobs;
using Platform.Workers.Cli;
using Spectre.Console.Cli;

namespace Platform.Workers.Jobs;

/// <summary>
/// <c>worker [--queues gpu,cpu] [--name NAME]</c>: a Hangfire server on the platform database that executes runs.
/// Start as many as you like, on as many machines as share the database (and the storage root).
/// Configuration: ConnectionStrings__Platform or PLATFORM_DB; Platform__StorageRoot; Platform__* of <see cref="WorkerOptions"/>.
/// </summary>
public sealed class WorkerCommand : AsyncCommand<WorkerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--queues <QUEUES>")]
        [Description("Comma-separated queues to serve, in priority order (default gpu,cpu).")]
        [DefaultValue("gpu,cpu")]
        public string Queues { get; init; } = "gpu,cpu";

        [CommandOption("--name <NAME>")]
        [Description("Worker name recorded on the runs it executes (default host:pid).")]
        public string? Name { get; init; }

        [CommandOption("--storage-root <DIR>")]
        [Description("The artifact store shared with the API: runs train in DIR/runs/ID (default Platform:StorageRoot, else .local/storage).")]
        public string? StorageRoot { get; init; }

        [CommandOption("--concurrency <N>")]
        [Description("Runs at once (default Platform:Concurrency, else 1).")]
        public int? Concurrency { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellation)
    {
        var queues = settings.Queues.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(q => q.ToLowerInvariant()).ToArray();
        if (queues.Length == 0 || queues.Any(q => q is not ("gpu" or "cpu")))
            throw new CliUsageException($"--queues: expected a list of gpu, cpu; got '{settings.Queues}'.");
        var name = settings.Name ?? $"{Environment.MachineName}:{Environment.ProcessId}";

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        var overrides = new Dictionary<string, string?>();
        if (settings.StorageRoot is not null) overrides["Platform:StorageRoot"] = settings.StorageRoot;
        if (settings.Concurrency is not null) overrides["Platform:Concurrency"] = settings.Concurrency.ToString();
        builder.Configuration.AddInMemoryCollection(overrides);

        var connectionString = builder.Configuration.GetConnectionString("Platform") is { Length: > 0 } cs ? cs
            : Environment.GetEnvironmentVariable("PLATFORM_DB") is { Length: > 0 } env ? env
            : throw new CliUsageException("No database configured: set ConnectionStrings__Platform or PLATFORM_DB.");
        var options = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection(WorkerOptions.Section));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.StopGraceSeconds + 10));

        builder.Services.AddSingleton(new WorkerIdentity(connectionString, name));
        builder.Services.AddTransient<IRunExecutor, RunExecutor>();
        builder.Services.AddHostedService<OrphanedRunReaper>();
        var storage = PlatformJobStorage.Create(connectionString, TimeSpan.FromSeconds(options.JobInvisibilityTimeoutSeconds));
        builder.Services.AddHangfire((sp, config) => config
            .UseStorage(storage)
            .UseActivator(new ServiceJobActivator(sp.GetRequiredService<IServiceScopeFactory>()))
            // A trainer failure is recorded on the run, not thrown; what is thrown is infrastructure trouble
            // (database unreachable), worth a couple of retries that resume from the checkpoint.
            .UseFilter(new AutomaticRetryAttribute { Attempts = Math.Max(0, options.JobRetryAttempts) })
            // After the last retry: the run is marked failed with the reason rather than left running.
            .UseFilter(new RunFailureFilter(connectionString, sp.GetRequiredService<ILogger<RunFailureFilter>>())));
        builder.Services.AddHangfireServer((_, o) =>
        {
            o.Queues = queues;
            o.ServerName = name;
            o.WorkerCount = Math.Max(1, options.Concurrency);
            o.ShutdownTimeout = TimeSpan.FromSeconds(options.StopGraceSeconds + 5);
        }, storage);

        using var host = builder.Build();
        host.Services.GetRequiredService<ILogger<WorkerCommand>>().LogInformation(
            "Worker {Name} serving queues {Queues}; storage root {Dir}", name, string.Join(",", queues),
            Path.GetFullPath(host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.StorageRoot));
        await host.RunAsync(cancellation);
        return 0;
    }

    /// <summary>Resolves job types (IRunExecutor) from the container, one scope per job.</summary>
    private sealed class ServiceJobActivator(IServiceScopeFactory scopes) : JobActivator
    {
        public override JobActivatorScope BeginScope(JobActivatorContext context) => new Scope(scopes.CreateScope());

        private sealed class Scope(IServiceScope scope) : JobActivatorScope
        {
            public override object Resolve(Type type) => scope.ServiceProvider.GetRequiredService(type);
            public override void DisposeScope() => scope.Dispose();
        }
    }
}
