using System.ComponentModel;
using Platform.Data.MetaNetworks;
using Platform.Data.Npz;
using Platform.Workers.UpdateRules.Disco;
using Platform.Workers.Verification;
using Spectre.Console.Cli;

namespace Platform.Workers.Cli;

/// <summary>`verify-golden FILE.npz [--weights PATH]`: our Disco rule against a reference golden file.</summary>
public sealed class VerifyGoldenCommand : Command<VerifyGoldenCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("Golden .npz written by the reference implementation (in0/…, out0/…, in1/…).")]
        public string File { get; init; } = "";

        [CommandOption("--weights <PATH>")]
        [Description("Meta-network .npz (default: the released Disco103 weights in ../shared/weights).")]
        public string? Weights { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("cpu (default) or cuda; on cuda TF32 is turned off, so matrix products stay float32.")]
        public string Device { get; init; } = "cpu";

        [CommandOption("--rtol <X>")] public double Rtol { get; init; } = 1e-4;
        [CommandOption("--atol <X>")] public double Atol { get; init; } = 1e-4;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!System.IO.File.Exists(settings.File)) throw new CliUsageException($"golden file '{settings.File}' does not exist");
        string weightsPath = settings.Weights ?? SharedPaths.Disco103Weights
            ?? throw new CliUsageException("cannot find shared/weights/disco_103.npz; pass --weights PATH");
        if (!System.IO.File.Exists(weightsPath)) throw new CliUsageException($"weights file '{weightsPath}' does not exist");

        var device = DeviceOption.Parse(settings.Device);
        if (device.type == TorchSharp.DeviceType.CUDA)
        {
            // The reference's golden values are float32 products; TF32 would round their inputs to 10 mantissa bits.
            TorchSharp.torch.backends.cuda.matmul.allow_tf32 = false;
            TorchSharp.torch.backends.cudnn.allow_tf32 = false;
        }
        IReadOnlyDictionary<string, NpyArray> golden;
        DiscoMetaParameters weights;
        try
        {
            golden = Npz.Read(settings.File);
            weights = DiscoMetaParameters.Load(weightsPath, device: device);
        }
        catch (Exception ex) when (ex is NpyFormatException or MetaNetworkFormatException)
        {
            throw new CliUsageException(ex.Message);
        }

        IReadOnlyList<GoldenComparison> results;
        try
        {
            results = new GoldenVerifier(settings.Rtol, settings.Atol).Verify(golden, weights);
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException(ex.Message);
        }
        foreach (var r in results)
        {
            string l2 = r.RelL2Error is { } e ? $" rel_l2={e:E2}" : "";
            string note = r.Note is null ? "" : $" ({r.Note})";
            Console.WriteLine($"{r.Name} max_abs={r.MaxAbsError:E2} max_rel={r.MaxRelError:E2}{l2} {(r.Passed ? "pass" : "FAIL")}{note}");
        }
        int failed = results.Count(r => !r.Passed);
        Console.WriteLine($"verify-golden: {results.Count} arrays, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
