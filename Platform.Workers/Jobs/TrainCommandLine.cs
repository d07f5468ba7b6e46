using System.Globalization;
using System.Text.Json;

namespace Platform.Workers.Jobs;

/// <summary>The parts of a run's stored spec (jsonb, camelCase) that the trainer needs.</summary>
public sealed record TrainSpec(string Env, string Rule, long Steps, long Seed, IReadOnlyList<KeyValuePair<string, string>> Hyperparameters)
{
    public static TrainSpec Parse(string specJson)
    {
        using var doc = JsonDocument.Parse(specJson);
        var root = doc.RootElement;
        return new TrainSpec(SpecJson.String(root, "env"), SpecJson.String(root, "rule"), SpecJson.Long(root, "steps"), SpecJson.Long(root, "seed"),
            SpecJson.Hyperparameters(root));
    }
}

/// <summary>
/// Builds the trainer's argument list: <c>train --env ID --rule R --steps N --seed S --out DIR --device D
/// [--NAME VALUE]...</c>, or <c>train --resume DIR --steps N --device D</c> when DIR has a checkpoint. Hyperparameters pass through as <c>--NAME VALUE</c> (names are
/// validated by the API: letters, digits, '_', '.', '-'), after the fixed options so they cannot replace them.
/// </summary>
public static class TrainCommandLine
{
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
        { "env", "rule", "steps", "seed", "out", "device", "resume" };

    public static IReadOnlyList<string> Build(TrainSpec spec, string rule, string outDir, bool resume, bool gpu)
    {
        var steps = spec.Steps.ToString(CultureInfo.InvariantCulture);
        var device = gpu ? "cuda" : "cpu";
        // Resuming takes the configuration from DIR/run.json: only the step budget (and the device) may be given.
        if (resume) return ["train", "--resume", outDir, "--steps", steps, "--device", device];
        var args = new List<string>
        {
            "train", "--env", spec.Env, "--rule", rule, "--steps", steps,
            "--seed", spec.Seed.ToString(CultureInfo.InvariantCulture),
            "--out", outDir, "--device", device,
        };
        foreach (var (name, value) in spec.Hyperparameters)
        {
            if (Reserved.Contains(name)) throw new FormatException($"Hyperparameter '{name}' would override a fixed trainer option.");
            args.Add("--" + name);
            args.Add(value);
        }
        return args;
    }
}
