using System.Diagnostics;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace Platform.Workers.Cli;

/// <summary>
/// Runs a verb's long loop (train, meta-train): Ctrl+C and SIGTERM cancel it (the loop checkpoints and reports
/// Interrupted); progress is a live Spectre bar on an interactive terminal, and a plain line every 5 s (and at the end)
/// when output is redirected, as under the worker. The ETA extrapolates the rate since this process started.
/// </summary>
public static class LoopRunner
{
    /// <param name="name">The progress bar's task name.</param>
    /// <param name="start">The loop's position when it starts (after a resume, not 0).</param>
    /// <param name="total">The position the loop runs to.</param>
    /// <param name="loop">The loop, given the cancellation token and a per-iteration progress callback.</param>
    /// <param name="position">The position a progress report stands at.</param>
    /// <param name="line">The plain line of a report, given the ETA.</param>
    /// <param name="description">The live bar's description of a report, given the ETA.</param>
    public static TResult Run<TProgress, TResult>(CancellationToken cancellationToken, string name, long start, long total,
        Func<CancellationToken, Action<TProgress>, TResult> loop, Func<TProgress, long> position,
        Func<TProgress, TimeSpan, string> line, Func<TProgress, TimeSpan, string> description)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; cts.Cancel(); });
        try
        {
            var sw = Stopwatch.StartNew();
            TimeSpan Eta(TProgress p)
            {
                double done = position(p) - start;
                return done <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(sw.Elapsed.TotalSeconds / done * (total - position(p)), 1e7));
            }

            if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
            {
                var last = TimeSpan.Zero;
                return loop(cts.Token, p =>
                {
                    if (sw.Elapsed - last < TimeSpan.FromSeconds(5) && position(p) < total) return;
                    last = sw.Elapsed;
                    Console.WriteLine(line(p, Eta(p)));
                });
            }

            TResult? result = default;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(name, maxValue: total);
                    task.Value = start;
                    result = loop(cts.Token, p =>
                    {
                        task.Value = Math.Min(position(p), total);
                        task.Description = Markup.Escape(description(p, Eta(p)));
                    });
                });
            return result!;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }
}
