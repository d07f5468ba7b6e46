using System.ComponentModel;
using Platform.Workers.Benchmarks;
using Platform.Workers.UpdateRules.Disco;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace Platform.Workers.Cli;

/// <summary>`bench-rule`: one Disco rule application (forward; forward+backward into η) vs fp32 matmul.</summary>
public sealed class BenchRuleCommand : Command<BenchRuleCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--rollout <T>")] [Description("Rollout length.")] public int T { get; init; } = 29;
        [CommandOption("--batch <B>")] [Description("Batch of trajectories.")] public int B { get; init; } = 64;
        [CommandOption("--actions <A>")] [Description("Number of actions.")] public int A { get; init; } = 18;
        [CommandOption("--iterations <N>")] public int Iterations { get; init; } = 10;
        [CommandOption("--device <DEVICE>")] [Description("cpu or cuda.")] public string Device { get; init; } = "cpu";
        [CommandOption("--weights <PATH>")] public string? Weights { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.T < 1 || s.B < 1 || s.A < 2 || s.Iterations < 1) throw new CliUsageException("--rollout, --batch, --iterations must be ≥ 1 and --actions ≥ 2");
        var device = DeviceOption.Parse(s.Device);
        using var weights = s.Weights is null ? DiscoMetaParameters.Random(0) : DiscoMetaParameters.Load(s.Weights);
        var r = RuleBenchmark.Run(s.T, s.B, s.A, device, s.Iterations, weights);
        Console.WriteLine($"device={r.Device} threads={r.Threads} T={r.T} B={r.B} A={r.A}");
        Console.WriteLine($"matmul_fp32_gflops={r.MatmulGflops:F1}");
        Console.WriteLine($"rule_forward_ms={r.ForwardMs:F2} rule_forward_gflop={r.ForwardGflop:F3} rule_forward_gflops={r.ForwardGflops:F1} fraction_of_matmul={r.Fraction:P1}");
        Console.WriteLine($"reference_formulation_gflop={r.ReferenceFormulationGflop:F3} effective_fraction_of_matmul={r.EffectiveFraction:P1}");
        Console.WriteLine($"rule_forward_backward_ms={r.ForwardBackwardMs:F2}");
        return 0;
    }
}
