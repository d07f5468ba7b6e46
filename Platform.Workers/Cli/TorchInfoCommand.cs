using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers.Cli;

public sealed class TorchInfoCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        var x = randn(3, 3, dtype: float64, requires_grad: true);
        var y = (x * x * x).sum();
        var g = autograd.grad([y], [x], retain_graph: true, create_graph: true)[0];
        var g2 = autograd.grad([g.sum()], [x])[0];
        bool ok = g2.allclose(6 * x.detach());
        Console.WriteLine($"torch {__version__}, threads {get_num_threads()}, cuda {cuda.is_available()}, second-order autograd {(ok ? "ok" : "WRONG")}");
        return ok ? 0 : 1;
    }
}
