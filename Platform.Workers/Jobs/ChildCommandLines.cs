using System.Globalization;
using System.Text.Json;
using Platform.Data.Runs;

namespace Platform.Workers.Jobs;

/// <summary>
/// The trainer child's arguments for each run kind, built from the typed run spec. Hyperparameters are written from the
/// kind's option table (<see cref="RunOptionTables"/>): a name not in it, or a value of the wrong type or range, is a
/// <see cref="FormatException"/> (the run fails as an invalid spec), so nothing but typed, validated options reaches the
/// command line. Each is one <c>--name=value</c> token, so no value can be read as an option of its own; the fixed options
/// come last (Spectre keeps an option's last value) and the CLI parses strictly, so none can be replaced or smuggled in.
/// </summary>
public static class ChildCommandLines
{
    /// <summary><c>train [--NAME VALUE]... --env ID --rule R --steps N --seed S --out DIR --device D</c>, or <c>train --resume DIR --steps N --device D</c>.</summary>
    public static IReadOnlyList<string> Train(TrainRunSpec spec, string rule, string outDir, bool resume, string device)
    {
        var steps = Number(spec.Steps);
        // Resuming takes the configuration from DIR/run.json: only the step budget (and the device) may be given.
        if (resume) return ["train", "--resume", outDir, "--steps", steps, "--device", device];
        return ["train", .. Options(TrainOptions.All, spec.Hyperparameters),
            "--env", spec.Env, "--rule", rule, "--steps", steps, "--seed", Number(spec.Seed), "--out", outDir, "--device", device];
    }

    /// <summary><c>meta-train [--NAME VALUE]... --envs A,B --meta-steps N --init I --seed S --out DIR --device D</c>, or the resume form.</summary>
    public static IReadOnlyList<string> MetaTrain(MetaTrainRunSpec spec, string init, string outDir, bool resume, string device)
    {
        var steps = Number(spec.Steps);
        if (resume) return ["meta-train", "--resume", outDir, "--meta-steps", steps, "--device", device];
        if (spec.Envs.Count == 0 || spec.Envs.Any(e => e.Length == 0 || e.Contains(',') || e.Any(char.IsWhiteSpace)))
            throw new FormatException("The run's environments are missing, empty or contain ',' or whitespace.");
        return ["meta-train", .. Options(MetaTrainOptions.All, spec.Hyperparameters),
            "--envs", string.Join(',', spec.Envs), "--meta-steps", steps, "--init", init, "--seed", Number(spec.Seed), "--out", outDir, "--device", device];
    }

    /// <summary><c>evaluate --checkpoint DIR --env ID --episodes K [--greedy] [--levels test] --seed S --out RUN --device D</c>.</summary>
    public static IReadOnlyList<string> Evaluate(EvaluateRunSpec spec, string checkpointDir, string outDir, string device)
    {
        if (EvaluateOptions.Episodes.CheckRange(spec.Episodes) is { } problem) throw new FormatException($"episodes: {problem}");
        if (EvaluateOptions.Levels.Check(RunOption.Value(spec.Levels)) is { } levelsProblem) throw new FormatException($"levels: {levelsProblem}");
        return ["evaluate", "--checkpoint", checkpointDir, "--env", spec.Env, "--episodes", Number(spec.Episodes),
            .. spec.Greedy ? new[] { "--greedy" } : [],
            .. spec.Levels == EvaluateOptions.TestLevelSet ? new[] { "--levels", EvaluateOptions.TestLevelSet } : [],
            "--seed", Number(spec.Seed), "--out", outDir, "--device", device];
    }

    /// <summary><c>inspect-rule [--NAME VALUE]... --checkpoint DIR --rule R --env ID --episodes K --seed S --out FILE --device D</c>.</summary>
    public static IReadOnlyList<string> Inspect(InspectRunSpec spec, string checkpointDir, string rule, string outFile, string device)
    {
        if (InspectOptions.Episodes.CheckRange(spec.Episodes) is { } problem) throw new FormatException($"episodes: {problem}");
        return ["inspect-rule", .. Options(InspectOptions.All, spec.Hyperparameters),
            "--checkpoint", checkpointDir, "--rule", rule, "--env", spec.Env, "--episodes", Number(spec.Episodes), "--seed", Number(spec.Seed),
            "--out", outFile, "--device", device];
    }

    private static IEnumerable<string> Options(IReadOnlyList<RunOption> table, IReadOnlyDictionary<string, JsonElement> given)
    {
        var options = RunOptionTables.Hyperparameters(table).ToDictionary(o => o.Name);
        foreach (var (name, value) in given.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!options.TryGetValue(name, out var option)) throw new FormatException($"'{name}' is not an option of this run kind.");
            yield return $"{option.Flag}={option.ToArgument(value)}";
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
