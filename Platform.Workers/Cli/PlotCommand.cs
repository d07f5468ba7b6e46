using Platform.Data.Runs;
using System.ComponentModel;
using System.Text.Json.Nodes;
using Platform.Workers.Learning;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>
/// <c>plot</c>: learning curves (episode return of the last 100 episodes vs environment steps) of training runs as a
/// PNG. Runs are grouped by rule: each seed as a thin line, the mean over seeds (at the shared logging steps) thick.
/// </summary>
public sealed class PlotCommand : Command<PlotCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--runs <DIR>")] [Description("Run folders (repeat the option, one per run).")]
        public string[] Runs { get; init; } = [];
        [CommandOption("--out <FILE>")] [Description("Output .png file.")]
        public string? Out { get; init; }
        [CommandOption("--title <TEXT>")] public string? Title { get; init; }
        [CommandOption("--width <PX>")] public int Width { get; init; } = 900;
        [CommandOption("--height <PX>")] public int Height { get; init; } = 540;
    }

    public sealed record Curve(string Rule, long Seed, double[] Steps, double[] Returns);

    public static Curve ReadCurve(string dir)
    {
        var config = Trainer.ReadConfig(dir);
        var steps = new List<double>();
        var returns = new List<double>();
        foreach (var line in File.ReadLines(Path.Combine(dir, Trainer.MetricsFile)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var node = JsonNode.Parse(line)!;
            if (node["values"]?[RunFolderLayout.MetricEpisodeReturn] is not { } r) continue;
            steps.Add(node["step"]!.GetValue<long>());
            returns.Add(r.GetValue<double>());
        }
        // A meta-network file is labelled by its file name, not its whole path.
        var rule = config.Rule.StartsWith("npz:", StringComparison.Ordinal) ? "npz:" + Path.GetFileName(config.Rule[4..]) : config.Rule;
        return new Curve(rule, config.Seed, steps.ToArray(), returns.ToArray());
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Runs.Length == 0) throw new CliUsageException("--runs is required (one or more run folders)");
        if (string.IsNullOrEmpty(s.Out)) throw new CliUsageException("--out is required");
        if (s.Width is < 100 or > 8000 || s.Height is < 100 or > 8000) throw new CliUsageException("--width and --height must be in 100..8000");
        var curves = new List<Curve>();
        foreach (var run in s.Runs)
        {
            if (!File.Exists(Path.Combine(run, Trainer.RunFile)) || !File.Exists(Path.Combine(run, Trainer.MetricsFile)))
                throw new CliUsageException($"--runs {run}: not a run folder (run.json and metrics.jsonl)");
            curves.Add(ReadCurve(run));
        }
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int g = 0;
        foreach (var group in curves.GroupBy(c => c.Rule).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            var color = palette.GetColor(g++);
            foreach (var c in group.Where(c => c.Steps.Length > 0))
            {
                var line = plot.Add.ScatterLine(c.Steps, c.Returns);
                line.Color = color.WithAlpha(0.35);
                line.LineWidth = 1;
            }
            int n = group.Min(c => c.Steps.Length);
            if (n == 0) continue;
            var first = group.First();
            var mean = Enumerable.Range(0, n).Select(i => group.Average(c => c.Returns[i])).ToArray();
            var m = plot.Add.ScatterLine(first.Steps.Take(n).ToArray(), mean);
            m.Color = color;
            m.LineWidth = 2.5f;
            m.LegendText = $"{group.Key} (mean of {group.Count()} seed{(group.Count() == 1 ? "" : "s")})";
        }
        plot.Title(s.Title ?? Trainer.ReadConfig(s.Runs[0]).Env);
        plot.XLabel("environment steps");
        plot.YLabel("episode return (mean of last 100 episodes)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        var dir = Path.GetDirectoryName(Path.GetFullPath(s.Out));
        if (dir is not null) Directory.CreateDirectory(dir);
        plot.SavePng(s.Out, s.Width, s.Height);
        Console.WriteLine($"wrote {s.Out} ({curves.Count} runs)");
        return 0;
    }
}
