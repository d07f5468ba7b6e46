using System.Globalization;
using System.Text.Json;

namespace Platform.Web.Services;

/// <summary>
/// The sweep part of the submit form (POST /api/sweeps): which options are swept and over what. Every field is the text
/// the user typed; <see cref="Build"/> turns it into the request's "parameters" and "count", checking each value against
/// the option's own range and choices from GET /api/run-options (the API checks again on every expanded run).
/// </summary>
public sealed class SweepDesign
{
    public const string Grid = "grid", Random = "random";
    /// <summary>A random sweep's parameter drawn from its listed values rather than from a distribution.</summary>
    public const string FromList = "values";
    public static readonly string[] Distributions = ["uniform", "log-uniform", "int-uniform"];
    /// <summary>Sweepable fields of a train submission that are not options (the API's names).</summary>
    public const string Rule = "rule", Env = "env";
    /// <summary>The API's limit on one sweep's runs (SweepExpansion.MaxRuns); the API refuses more in any case.</summary>
    public const int MaxRuns = 200;

    public bool Enabled { get; set; }
    public string? Name { get; set; }
    public string Method { get; set; } = Grid;
    public string? Count { get; set; } = "8";
    /// <summary>The swept parameters' names, in the order chosen.</summary>
    public IReadOnlyCollection<string> Swept { get; set; } = [];
    /// <summary>Per parameter: its values, comma-separated (numbers), for a grid or a random draw from a list.</summary>
    public Dictionary<string, string?> Values { get; } = [];
    /// <summary>Per parameter with choices (and the rule): the chosen values.</summary>
    public Dictionary<string, IReadOnlyCollection<string>> Picked { get; } = [];
    /// <summary>Per numeric parameter of a random sweep: <see cref="FromList"/> or one of <see cref="Distributions"/>.</summary>
    public Dictionary<string, string> Distribution { get; } = [];
    public Dictionary<string, string?> Low { get; } = [];
    public Dictionary<string, string?> High { get; } = [];

    public string DistributionOf(string name) => Distribution.GetValueOrDefault(name, FromList);

    /// <summary>A parameter the user picks values of (rule, env, an option with choices) rather than types.</summary>
    public static bool IsPicked(RunOptionDto? option, string name) => name == Rule || option?.Choices is not null;

    public sealed record Built(Dictionary<string, JsonElement> Parameters, int? Count, long Settings);

    /// <summary>
    /// The request's parameters (and count), or the problems keyed by "name", "count", "swept" or a parameter's name.
    /// <paramref name="options"/>: the base kind's hyperparameters; <paramref name="rules"/>: the rules a train run may name;
    /// <paramref name="envs"/>: the environments chosen for a train sweep (two or more are swept).
    /// </summary>
    public (Built? Result, List<(string Key, string Message)> Errors) Build(IReadOnlyList<RunOptionDto> options, IReadOnlyCollection<string> rules,
        IReadOnlyCollection<string> envs)
    {
        var (built, errors) = Parameters(options, rules, envs);
        if (string.IsNullOrWhiteSpace(Name)) errors.Insert(0, ("name", "Name the sweep."));
        else if (Name.Trim().Length > 200) errors.Insert(0, ("name", "At most 200 characters."));
        return errors.Count > 0 ? (null, errors) : (built, errors);
    }

    /// <summary>How many runs the sweep would submit (settings × seeds), or null while the design is incomplete.</summary>
    public long? RunCount(IReadOnlyList<RunOptionDto> options, IReadOnlyCollection<string> rules, IReadOnlyCollection<string> envs, int seeds) =>
        Parameters(options, rules, envs).Result is { } b ? b.Settings * Math.Max(1, seeds) : null;

    private (Built? Result, List<(string Key, string Message)> Errors) Parameters(IReadOnlyList<RunOptionDto> options, IReadOnlyCollection<string> rules,
        IReadOnlyCollection<string> envs)
    {
        var errors = new List<(string Key, string Message)>();
        int? count = null;
        if (Method == Random)
        {
            if (!int.TryParse(Count, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c < 1 || c > MaxRuns)
                errors.Add(("count", $"A whole number of draws from 1 to {MaxRuns}."));
            else count = c;
        }
        if (Swept.Count == 0) errors.Add(("swept", "Choose at least one option to sweep."));

        var parameters = new Dictionary<string, JsonElement>();
        long settings = 1;
        foreach (var name in Swept)
        {
            var option = options.FirstOrDefault(o => o.Name == name);
            if (option is null && name != Rule) { errors.Add((name, "Not an option of this kind of run.")); continue; }
            if (IsPicked(option, name))
            {
                var allowed = name == Rule ? rules : option!.Choices!;
                var picked = Picked.GetValueOrDefault(name, []).Where(allowed.Contains).Distinct().ToList();
                if (picked.Count == 0) { errors.Add((name, "Choose at least one value.")); continue; }
                parameters[name] = JsonSerializer.SerializeToElement(picked);
                settings *= picked.Count;
                continue;
            }
            var distribution = Method == Random ? DistributionOf(name) : FromList;
            if (distribution != FromList)
            {
                var (lo, loError) = Number(option!, Low.GetValueOrDefault(name));
                var (hi, hiError) = Number(option!, High.GetValueOrDefault(name));
                if ((loError ?? hiError) is { } e) { errors.Add((name, "low and high: " + e)); continue; }
                if (lo >= hi) { errors.Add((name, "low must be below high.")); continue; }
                if (distribution == "log-uniform" && lo <= 0) { errors.Add((name, "log-uniform needs low > 0.")); continue; }
                if (distribution == "int-uniform" && (lo != Math.Floor(lo) || hi != Math.Floor(hi))) { errors.Add((name, "int-uniform needs whole low and high.")); continue; }
                parameters[name] = JsonSerializer.SerializeToElement(new { distribution, low = lo, high = hi });
                continue;
            }
            var values = new List<JsonElement>();
            string? problem = null;
            foreach (var part in (Values.GetValueOrDefault(name) ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
            {
                var (x, error) = Number(option!, part);
                if (error is not null) { problem = $"'{part}': {error}"; break; }
                values.Add(option!.IsInteger ? JsonSerializer.SerializeToElement((long)x) : JsonSerializer.SerializeToElement(x));
            }
            if (problem is null && values.Count == 0) problem = "Enter the values, comma-separated.";
            if (problem is not null) { errors.Add((name, problem)); continue; }
            parameters[name] = JsonSerializer.SerializeToElement(values);
            settings *= values.Count;
        }
        // Several environments chosen in the form are swept too (train runs only: the caller passes none otherwise).
        if (envs.Count > 1)
        {
            parameters[Env] = JsonSerializer.SerializeToElement(envs);
            settings *= envs.Count;
        }
        return errors.Count > 0 ? (null, errors) : (new Built(parameters, count, count ?? settings), errors);
    }

    private static (double Value, string? Error) Number(RunOptionDto option, string? text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x)) return (0, "must be a number.");
        if (option.IsInteger && x != Math.Floor(x)) return (0, "must be a whole number.");
        return option.CheckRange(x) is { } problem ? (0, problem) : (x, null);
    }
}
