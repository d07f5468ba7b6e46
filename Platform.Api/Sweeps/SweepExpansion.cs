using System.Text.Json;
using Platform.Api.Runs;
using Platform.Data.Runs;

namespace Platform.Api.Sweeps;

/// <summary>
/// Turns a sweep request into run submissions: checks the parameters' names and shapes (values themselves are checked
/// by <see cref="RunSpecValidator"/> on every expanded run), draws or enumerates the points, and puts each point and
/// seed into a copy of the base. Pure: no database.
/// </summary>
public static class SweepExpansion
{
    public const int MaxRuns = 200, MaxParameters = 8, MaxValuesPerParameter = 64, MaxSeeds = 32;
    public const string Grid = "grid", Random = "random";
    /// <summary>Parameters that are fields of a train submission rather than options.</summary>
    public const string Rule = "rule", Env = "env", SeedKey = "seed";
    public static readonly string[] Distributions = ["uniform", "log-uniform", "int-uniform"];

    public sealed record Expanded(IReadOnlyList<(SubmitRunRequest Request, Dictionary<string, JsonElement> Point)> Runs, int RandomSeed);

    public static (Expanded? Result, Dictionary<string, string[]> Errors) Expand(SubmitSweepRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) Add("name", "Required, at most 200 characters.");
        if (request.Base is null) Add("base", "Required: a POST /api/runs body.");
        var method = request.Method ?? Grid;
        if (method is not (Grid or Random)) Add("method", $"Must be {Grid} or {Random}.");
        var kind = request.Base?.Kind ?? RunOptionTables.Train;
        var table = RunOptionTables.All.GetValueOrDefault(kind);
        var options = table is null ? [] : RunOptionTables.Hyperparameters(table).Select(o => o.Name).ToHashSet();
        var parameters = request.Parameters ?? [];
        if (parameters.Count == 0) Add("parameters", "Sweep at least one parameter.");
        if (parameters.Count > MaxParameters) Add("parameters", $"At most {MaxParameters} parameters.");
        foreach (var (name, value) in parameters)
        {
            var field = $"parameters.{name}";
            if (name == SeedKey) { Add(field, "Seeds are swept with \"seeds\"."); continue; }
            if (!(options.Contains(name) || (kind == RunOptionTables.Train && name is Rule or Env)))
            {
                Add(field, $"Not an option of a {kind} run (GET /api/run-options){(kind == RunOptionTables.Train ? ", rule or env" : "")}.");
                continue;
            }
            if (value.ValueKind == JsonValueKind.Array)
            {
                var n = value.GetArrayLength();
                if (n < 1 || n > MaxValuesPerParameter) Add(field, $"1 to {MaxValuesPerParameter} values.");
                if (name is Rule or Env && value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String)) Add(field, "Values must be strings.");
            }
            else if (value.ValueKind == JsonValueKind.Object && method == Random && name is not (Rule or Env))
            {
                if (Distribution(value) is { Problem: { } problem }) Add(field, problem);
            }
            else Add(field, method == Random ? "A list of values or {\"distribution\", \"low\", \"high\"}." : "A list of values.");
        }
        if (method == Random && (request.Count is not { } c || c < 1 || c > MaxRuns)) Add("count", $"Random sweeps need a count from 1 to {MaxRuns}.");
        if (method == Grid && request.Count is not null) Add("count", "Only random sweeps take a count.");
        var seeds = request.Seeds ?? [request.Base?.Seed ?? 0];
        if (seeds.Count is < 1 or > MaxSeeds) Add("seeds", $"1 to {MaxSeeds} seeds.");
        else if (seeds.Distinct().Count() != seeds.Count) Add("seeds", "Seeds must differ.");
        else if (seeds.Any(s => TrainOptions.Seed.CheckRange(s) is not null)) Add("seeds", $"Each seed must be {TrainOptions.Seed.RangeDescription}.");
        if (errors.Count > 0) return (null, errors);

        long points = method == Grid ? parameters.Values.Aggregate(1L, (p, v) => p * v.GetArrayLength()) : request.Count!.Value;
        if (points * seeds.Count > MaxRuns)
            return (null, new() { ["parameters"] = [$"{points} settings × {seeds.Count} seeds = {points * seeds.Count} runs; a sweep holds at most {MaxRuns}."] });

        var randomSeed = request.RandomSeed ?? System.Random.Shared.Next();
        var rng = new System.Random(randomSeed);
        var settings = method == Grid ? GridPoints(parameters) : Enumerable.Range(0, request.Count!.Value).Select(_ => Draw(parameters, rng)).ToList();
        var runs = new List<(SubmitRunRequest, Dictionary<string, JsonElement>)>();
        foreach (var setting in settings)
            foreach (var seed in seeds)
            {
                var point = new Dictionary<string, JsonElement>(setting) { [SeedKey] = JsonSerializer.SerializeToElement(seed) };
                runs.Add((Materialize(request.Base!, setting, seed), point));
            }
        return (new Expanded(runs, randomSeed), errors);
    }

    private static List<Dictionary<string, JsonElement>> GridPoints(Dictionary<string, JsonElement> parameters)
    {
        var points = new List<Dictionary<string, JsonElement>> { new() };
        foreach (var (name, values) in parameters)
            points = [.. points.SelectMany(p => values.EnumerateArray().Select(v => new Dictionary<string, JsonElement>(p) { [name] = v.Clone() }))];
        return points;
    }

    private static Dictionary<string, JsonElement> Draw(Dictionary<string, JsonElement> parameters, System.Random rng)
    {
        var point = new Dictionary<string, JsonElement>();
        foreach (var (name, spec) in parameters)
        {
            if (spec.ValueKind == JsonValueKind.Array)
            {
                point[name] = spec[rng.Next(spec.GetArrayLength())].Clone();
                continue;
            }
            var (kind, low, high, _) = Distribution(spec);
            var u = rng.NextDouble();
            point[name] = kind switch
            {
                "log-uniform" => JsonSerializer.SerializeToElement(Math.Exp(Math.Log(low) + u * (Math.Log(high) - Math.Log(low)))),
                "int-uniform" => JsonSerializer.SerializeToElement(rng.NextInt64((long)low, (long)high + 1)),
                _ => JsonSerializer.SerializeToElement(low + u * (high - low)),
            };
        }
        return point;
    }

    private static (string Kind, double Low, double High, string? Problem) Distribution(JsonElement spec)
    {
        string? kind = spec.TryGetProperty("distribution", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        double? Number(string key) => spec.TryGetProperty(key, out var x) && x.ValueKind == JsonValueKind.Number && x.TryGetDouble(out var v) && double.IsFinite(v) ? v : null;
        var (low, high) = (Number("low"), Number("high"));
        if (kind is null || !Distributions.Contains(kind)) return ("", 0, 0, $"distribution must be one of {string.Join(", ", Distributions)}.");
        if (low is null || high is null || low >= high) return (kind, 0, 0, "low and high must be numbers with low < high.");
        if (kind == "log-uniform" && low <= 0) return (kind, 0, 0, "log-uniform needs low > 0.");
        if (kind == "int-uniform" && (low != Math.Floor(low.Value) || high != Math.Floor(high.Value))) return (kind, 0, 0, "int-uniform needs whole low and high.");
        return (kind, low.Value, high.Value, null);
    }

    /// <summary>A copy of the base with the setting's values and the seed put in.</summary>
    private static SubmitRunRequest Materialize(SubmitRunRequest b, Dictionary<string, JsonElement> setting, long seed)
    {
        // A deep copy through the request's own JSON contract: a field added to SubmitRunRequest is carried without listing it here.
        var r = JsonSerializer.Deserialize<SubmitRunRequest>(JsonSerializer.SerializeToUtf8Bytes(b, Infrastructure.ApiJson.Strict), Infrastructure.ApiJson.Strict)!;
        r.Seed = seed;
        r.Hyperparameters ??= [];
        foreach (var (name, value) in setting)
        {
            if (name == Rule) r.Rule = value.GetString();
            else if (name == Env) r.Env = value.GetString();
            else r.Hyperparameters![name] = value;
        }
        return r;
    }
}
