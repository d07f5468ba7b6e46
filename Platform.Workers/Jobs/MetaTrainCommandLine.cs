using System.Globalization;
using System.Text.Json;

namespace Platform.Workers.Jobs;

/// <summary>The parts of a meta-train run's stored spec (jsonb, camelCase) that the meta-trainer needs.</summary>
public sealed record MetaTrainSpec(IReadOnlyList<string> Envs, long MetaSteps, long Seed, string Init,
    IReadOnlyList<KeyValuePair<string, string>> Hyperparameters)
{
    /// <summary>The checkpoint folder prefix the meta-trainer writes: checkpoints/meta-step-XXXXXXXXXXXX/.</summary>
    public const string CheckpointPrefix = "meta-step-";

    /// <summary>The frozen rule inside each checkpoint folder, in the released Disco103 .npz layout.</summary>
    public const string NetworkFile = "meta_network.npz";

    public static MetaTrainSpec Parse(string specJson)
    {
        using var doc = JsonDocument.Parse(specJson);
        var root = doc.RootElement;
        var envs = new List<string>();
        if (root.TryGetProperty("envs", out var e) && e.ValueKind == JsonValueKind.Array)
            foreach (var item in e.EnumerateArray())
                envs.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new FormatException("The run's spec has a non-string environment."));
        if (envs.Count == 0) throw new FormatException("The run's spec has no 'envs'.");
        if (envs.Any(x => x.Length == 0 || x.Contains(',') || x.Any(char.IsWhiteSpace)))
            throw new FormatException("An environment id in the run's spec is empty or contains ',' or whitespace.");
        var init = root.TryGetProperty("init", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "random";
        return new MetaTrainSpec(envs, SpecJson.Long(root, "steps"), SpecJson.Long(root, "seed"), init, SpecJson.Hyperparameters(root));
    }
}

/// <summary>
/// Builds the meta-trainer's argument list: <c>meta-train --envs A,B --meta-steps N --out DIR --init I --seed S
/// --device D [--NAME VALUE]...</c>, or <c>meta-train --resume DIR --meta-steps N --device D</c> when DIR already has
/// a checkpoint. <paramref name="init"/> is random, disco103 or npz:PATH (a meta-network checkpoint's file).
/// Hyperparameters (names and values checked by the API) follow the fixed options and may not replace them.
/// </summary>
public static class MetaTrainCommandLine
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
        { "envs", "meta-steps", "out", "init", "seed", "device", "resume" };

    public static IReadOnlyList<string> Build(MetaTrainSpec spec, string init, string outDir, bool resume, bool gpu)
    {
        var steps = spec.MetaSteps.ToString(CultureInfo.InvariantCulture);
        var device = gpu ? "cuda" : "cpu";
        // Resuming takes the configuration from DIR/run.json: only the meta-step budget and the device may be given.
        if (resume) return ["meta-train", "--resume", outDir, "--meta-steps", steps, "--device", device];
        var args = new List<string>
        {
            "meta-train", "--envs", string.Join(',', spec.Envs), "--meta-steps", steps, "--out", outDir,
            "--init", init, "--seed", spec.Seed.ToString(CultureInfo.InvariantCulture), "--device", device,
        };
        foreach (var (name, value) in spec.Hyperparameters)
        {
            if (Reserved.Contains(name)) throw new FormatException($"Hyperparameter '{name}' would override a fixed meta-trainer option.");
            args.Add("--" + name);
            args.Add(value);
        }
        return args;
    }

    /// <summary>The meta-step of a checkpoint folder name (meta-step-000000000120 → 120), or null.</summary>
    public static long? StepOf(string folderName) =>
        folderName.StartsWith(MetaTrainSpec.CheckpointPrefix, StringComparison.Ordinal)
        && long.TryParse(folderName.AsSpan(MetaTrainSpec.CheckpointPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step : null;
}

/// <summary>The parts of an evaluate run's stored spec: which agent checkpoint, on which environment, how.</summary>
public sealed record EvaluateSpec(string Env, Guid AgentCheckpointId, int Episodes, bool Greedy, long Seed)
{
    public static EvaluateSpec Parse(string specJson)
    {
        using var doc = JsonDocument.Parse(specJson);
        var root = doc.RootElement;
        var checkpoint = root.TryGetProperty("agentCheckpointId", out var c) && c.ValueKind == JsonValueKind.String && c.TryGetGuid(out var id)
            ? id : throw new FormatException("The run's spec has no 'agentCheckpointId'.");
        var episodes = SpecJson.Long(root, "episodes");
        if (episodes is < 1 or > 1_000_000) throw new FormatException("'episodes' must be in 1..1000000.");
        var greedy = root.TryGetProperty("greedy", out var g) && g.ValueKind == JsonValueKind.True;
        return new EvaluateSpec(SpecJson.String(root, "env"), checkpoint, (int)episodes, greedy, SpecJson.Long(root, "seed"));
    }
}

/// <summary>
/// <c>evaluate --checkpoint DIR --env ID --episodes K [--greedy] --seed S --device D</c>, and the reading of its
/// last output line <c>mean_return=&lt;x&gt; episodes=&lt;k&gt;</c>.
/// </summary>
public static class EvaluateCommandLine
{
    public static IReadOnlyList<string> Build(EvaluateSpec spec, string checkpointDir, bool gpu)
    {
        var args = new List<string>
        {
            "evaluate", "--checkpoint", checkpointDir, "--env", spec.Env,
            "--episodes", spec.Episodes.ToString(CultureInfo.InvariantCulture),
        };
        if (spec.Greedy) args.Add("--greedy");
        args.AddRange(["--seed", spec.Seed.ToString(CultureInfo.InvariantCulture), "--device", gpu ? "cuda" : "cpu"]);
        return args;
    }

    /// <summary>The mean return and episode count of the last non-empty line, or null when it is not that line.</summary>
    public static (double MeanReturn, int Episodes)? ParseResult(IReadOnlyList<string> stdout)
    {
        var last = stdout.LastOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();
        if (last is null) return null;
        var parts = last.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !parts[0].StartsWith("mean_return=", StringComparison.Ordinal) || !parts[1].StartsWith("episodes=", StringComparison.Ordinal))
            return null;
        return double.TryParse(parts[0]["mean_return=".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var mean) && double.IsFinite(mean)
               && int.TryParse(parts[1]["episodes=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var episodes)
            ? (mean, episodes) : null;
    }
}

/// <summary>Readers shared by the spec parsers.</summary>
internal static class SpecJson
{
    public static string String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"The run's spec has no string '{name}'.");

    public static long Long(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var x)
            ? x : throw new FormatException($"The run's spec has no integer '{name}'.");

    public static List<KeyValuePair<string, string>> Hyperparameters(JsonElement root)
    {
        var hyper = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("hyperparameters", out var h) && h.ValueKind == JsonValueKind.Object)
            foreach (var p in h.EnumerateObject())
                hyper.Add(new(p.Name, p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    JsonValueKind.Number => p.Value.GetRawText(),
                    _ => throw new FormatException($"Hyperparameter '{p.Name}' must be a number, string or boolean."),
                }));
        return hyper;
    }
}
