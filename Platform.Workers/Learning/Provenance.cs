using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Platform.Data.Runs;

namespace Platform.Workers.Learning;

/// <summary>
/// Where and how a run was computed (issue #16): the code (git commit and whether the working tree differed from it
/// at build time, build configuration), the software (.NET, TorchSharp, libtorch), the machine (OS, CPU model, GPU
/// model, torch threads, device), the exact command line, the seed and the fully resolved configuration (run.json's
/// config, every default filled in). The trainer writes it to RUN/provenance.json when it starts or resumes; the worker
/// adds its name and stores it with the run (<see cref="RunProvenanceKeys"/> names every key).
/// </summary>
public static class Provenance
{
    /// <summary>Writes RUN/provenance.json for a run folder whose run.json is written.</summary>
    public static void Write(string outDir, string device, long seed, long? resumedAtStep)
    {
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, RunFolderLayout.RunFile)));
        var record = Collect(device);
        record[RunProvenanceKeys.Seed] = seed;
        record[RunProvenanceKeys.ResumedAtStep] = resumedAtStep;
        record[RunProvenanceKeys.Config] = run?["config"]?.DeepClone();
        var path = Path.Combine(outDir, RunFolderLayout.ProvenanceFile);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, record.ToJsonString(RunFolder.Json));
        File.Move(tmp, path, true);
    }

    /// <summary>The code, software and machine parts (no run yet).</summary>
    public static JsonObject Collect(string device)
    {
        var assembly = typeof(Provenance).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        var plus = informational.IndexOf('+');
        string? Metadata(string key) => assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        return new JsonObject
        {
            [RunProvenanceKeys.GitCommit] = plus >= 0 ? informational[(plus + 1)..] : null,
            [RunProvenanceKeys.GitDirty] = Metadata("GitDirty") is { } dirty ? dirty == "true" : null,
            [RunProvenanceKeys.BuildConfiguration] = assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration,
            [RunProvenanceKeys.DotNet] = RuntimeInformation.FrameworkDescription,
            [RunProvenanceKeys.TorchSharp] = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3),
            [RunProvenanceKeys.Libtorch] = TorchSharp.torch.__version__,
            [RunProvenanceKeys.Os] = RuntimeInformation.OSDescription,
            [RunProvenanceKeys.Cpu] = CpuModel(),
            [RunProvenanceKeys.Gpu] = device == "cuda" ? GpuModel() : null,
            [RunProvenanceKeys.Device] = device,
            [RunProvenanceKeys.Threads] = TorchSharp.torch.get_num_threads(),
            [RunProvenanceKeys.Host] = Environment.MachineName,
            [RunProvenanceKeys.CommandLine] = CommandLine(Environment.GetCommandLineArgs() is [var first, ..] args && first.EndsWith(".dll", StringComparison.Ordinal)
                ? ["dotnet", .. args] : Environment.GetCommandLineArgs()),
            [RunProvenanceKeys.StartedAt] = DateTimeOffset.UtcNow.ToString("O"),
        };
    }

    /// <summary>A command line as a shell would take it back (arguments quoted where needed).</summary>
    public static string CommandLine(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=,@+".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
        catch (UnauthorizedAccessException) { return RuntimeInformation.ProcessArchitecture.ToString(); }
    }

    /// <summary>The NVIDIA driver's name of the first GPU (no torch call: it works before CUDA is initialised).</summary>
    private static string? GpuModel()
    {
        try
        {
            const string root = "/proc/driver/nvidia/gpus";
            if (!Directory.Exists(root)) return null;
            foreach (var dir in Directory.GetDirectories(root).Order())
            {
                var line = File.ReadLines(Path.Combine(dir, "information")).FirstOrDefault(l => l.StartsWith("Model:", StringComparison.Ordinal));
                if (line is not null) return line["Model:".Length..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
