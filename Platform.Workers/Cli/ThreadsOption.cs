using Platform.Data.Runs;

namespace Platform.Workers.Cli;

/// <summary>--threads: torch's CPU thread count, range-checked by the verb's option table.</summary>
public static class ThreadsOption
{
    public static void Apply(RunOption option, int? threads)
    {
        if (threads is not { } n) return;
        if (option.CheckRange(n) is not null) throw new CliUsageException($"{option.Flag} must be {option.RangeDescription}, not {n}");
        TorchSharp.torch.set_num_threads(n);
    }
}
