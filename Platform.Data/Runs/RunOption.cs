using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Data.Runs;

/// <summary>How a run option's value is written: in JSON (the API), on the command line (the CLI) and in the form.</summary>
public enum RunOptionType
{
    /// <summary>A whole number (JSON number without fraction; CLI digits).</summary>
    Integer,
    /// <summary>A finite real number.</summary>
    Number,
    /// <summary>One of <see cref="RunOption.Choices"/>.</summary>
    Choice,
    /// <summary>true or false (CLI: the flag alone means true).</summary>
    Boolean,
}

/// <summary>
/// A default that holds for runs on one suite, with one rule, or both (e.g. the learning rate: 1e-2 for Disco rules on
/// Catch, their published 3e-4 elsewhere), with where it comes from. <see cref="Rule"/> is a rule's defaults family
/// (<see cref="RuleCatalog.DefaultsFamily"/>): a team's meta-network takes the defaults of disco103.
/// </summary>
public sealed record ScopedDefault(string? Suite, string? Rule, JsonElement Value, string Source)
{
    /// <summary>"catch", "ppo" or "ppo on catch".</summary>
    [JsonIgnore] public string Scope => (Suite, Rule) switch
    {
        ({ } s, { } r) => $"{r} on {s}",
        ({ } s, null) => s,
        (null, { } r) => r,
        _ => "all",
    };
}

/// <summary>
/// One option of a run kind, declared once (<see cref="RunOptionTables"/>): the CLI binds and documents its
/// <c>--Name</c> from it, the API validates <c>hyperparameters.Name</c> against it, <c>GET /api/run-options</c> serves
/// it and the submit form renders its field from that answer. Ranges are inclusive unless <see cref="MinExclusive"/>.
/// </summary>
public sealed record RunOption
{
    /// <summary>CLI <c>--Name</c>; API <c>hyperparameters.Name</c> unless <see cref="Field"/> names a field of the submission.</summary>
    public required string Name { get; init; }
    /// <summary>The submission's own field for the run's core settings (e.g. <c>steps</c>, <c>episodes</c>); null for hyperparameters.</summary>
    public string? Field { get; init; }
    /// <summary>A short label for forms.</summary>
    public required string Label { get; init; }
    public required RunOptionType Type { get; init; }
    /// <summary>What the option does, one sentence (CLI help and form helper text, followed by the default and range).</summary>
    public required string Help { get; init; }
    /// <summary>The default when the run does not say; null when it is derived (see <see cref="DefaultText"/>).</summary>
    public JsonElement? Default { get; init; }
    /// <summary>Defaults for runs on one suite and/or with one rule; they replace <see cref="Default"/> there (see <see cref="DefaultFor"/>).</summary>
    public IReadOnlyList<ScopedDefault> ScopedDefaults { get; init; } = [];
    /// <summary>The default in words when it is derived from other values (e.g. "steps / 10").</summary>
    public string? DefaultText { get; init; }
    /// <summary>Where the default comes from (the paper, the reference implementation, this platform).</summary>
    public required string Source { get; init; }
    public double? Min { get; init; }
    public bool MinExclusive { get; init; }
    public double? Max { get; init; }
    public IReadOnlyList<string>? Choices { get; init; }

    /// <summary>The CLI flag, <c>--Name</c>.</summary>
    public string Flag => "--" + Name;

    /// <summary>Where the API reads it and reports problems with it: <c>steps</c> or <c>hyperparameters.rollout</c>.</summary>
    public string FieldPath => Field ?? "hyperparameters." + Name;

    /// <summary>
    /// The default for a run on <paramref name="suite"/> with <paramref name="rule"/> (any rule reference; null: not
    /// known yet), or null when it is derived or there is none. The most specific scope wins: suite and rule, then the
    /// rule alone, then the suite alone, then <see cref="Default"/>.
    /// </summary>
    public JsonElement? DefaultFor(string? suite, string? rule = null) => ScopedDefaultFor(suite, rule)?.Value ?? Default;

    /// <summary>The scoped default that applies (null: <see cref="Default"/> applies).</summary>
    public ScopedDefault? ScopedDefaultFor(string? suite, string? rule)
    {
        var family = rule is null ? null : RuleCatalog.DefaultsFamily(rule);
        return ScopedDefaults.FirstOrDefault(d => d.Suite is not null && d.Rule is not null && d.Suite == suite && d.Rule == family)
               ?? ScopedDefaults.FirstOrDefault(d => d.Suite is null && d.Rule is not null && d.Rule == family)
               ?? ScopedDefaults.FirstOrDefault(d => d.Suite is not null && d.Rule is null && d.Suite == suite);
    }

    /// <summary>"29", "demo (catch), small-conv (other suites)", or the derived default in words.</summary>
    public string DefaultDescription
    {
        get
        {
            if (DefaultText is not null) return DefaultText;
            if (ScopedDefaults.Count == 0) return Default is { } d ? Format(d) : "none";
            var parts = ScopedDefaults.Select(s => $"{Format(s.Value)} ({s.Scope})").ToList();
            if (Default is { } other) parts.Add($"{Format(other)} (otherwise)");
            return string.Join(", ", parts);
        }
    }

    /// <summary>The default for one suite and rule in words, with its source ("1e-2 (the reference's Catch setting)").</summary>
    public string DefaultDescriptionFor(string? suite, string? rule) =>
        ScopedDefaultFor(suite, rule) is { } scoped ? $"{Format(scoped.Value)} ({scoped.Source})"
        : Default is { } d ? $"{Format(d)} ({Source})" : DefaultText ?? "none";

    /// <summary>The accepted values in words: "2 to 1000", "greater than 0 and at most 1", "demo, small or small-conv".</summary>
    public string RangeDescription => Type switch
    {
        RunOptionType.Choice => string.Join(", ", Choices ?? []),
        RunOptionType.Boolean => "true or false",
        _ => (Min, Max) switch
        {
            ({ } lo, { } hi) => MinExclusive ? $"greater than {Num(lo)} and at most {Num(hi)}" : $"{Num(lo)} to {Num(hi)}",
            ({ } lo, null) => MinExclusive ? $"greater than {Num(lo)}" : $"at least {Num(lo)}",
            (null, { } hi) => $"at most {Num(hi)}",
            _ => "any",
        },
    };

    /// <summary>The help line the CLI and the form show: what it does, its default and its range.</summary>
    public string HelpLine => $"{Help} Default: {DefaultDescription}. Allowed: {RangeDescription}.";

    /// <returns>Null when <paramref name="value"/> is acceptable, else why not (for the API's ProblemDetails).</returns>
    public string? Check(JsonElement value)
    {
        if (Type == RunOptionType.Boolean)
            return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "Must be true or false.";
        if (Type == RunOptionType.Choice)
            return value.ValueKind == JsonValueKind.String && (Choices ?? []).Contains(value.GetString())
                ? null : $"Expected one of {string.Join(", ", Choices ?? [])}.";
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var x) || !double.IsFinite(x)) return "Must be a number.";
        if (Type == RunOptionType.Integer && !value.TryGetInt64(out _)) return "Must be a whole number.";
        return CheckRange(x);
    }

    /// <returns>Null when <paramref name="x"/> is inside the range, else why not.</returns>
    public string? CheckRange(double x)
    {
        if (!double.IsFinite(x)) return "Must be a finite number.";
        if (Min is { } lo && (MinExclusive ? x <= lo : x < lo) || Max is { } hi && x > hi)
            return $"Must be {RangeDescription}.";
        return null;
    }

    /// <summary>Checks a choice the CLI parsed (by <see cref="Check"/>); throws <see cref="ArgumentException"/> naming the flag.</summary>
    public void RequireChoice(string value)
    {
        if (Check(Value(value)) is { } problem) throw new ArgumentException($"{Flag} {value}: {problem}");
    }

    /// <summary>Checks a value the CLI parsed; throws <see cref="ArgumentException"/> naming the flag.</summary>
    public void Require(double x)
    {
        if (CheckRange(x) is not null) throw new ArgumentException($"{Flag} must be {RangeDescription}, not {Num(x)}");
    }


    /// <summary>The value as its command-line argument (invariant culture; JSON numbers keep their exact text).</summary>
    public string ToArgument(JsonElement value) => Check(value) is { } problem
        ? throw new FormatException($"{Flag}: {problem}")
        : value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    [JsonIgnore] public int IntDefault => checked((int)LongDefault);
    [JsonIgnore] public long LongDefault => Default is { ValueKind: JsonValueKind.Number } d ? d.GetInt64() : throw new InvalidOperationException($"{Name} has no numeric default");
    [JsonIgnore] public double DoubleDefault => Default is { ValueKind: JsonValueKind.Number } d ? d.GetDouble() : throw new InvalidOperationException($"{Name} has no numeric default");
    public long LongDefaultFor(string? suite, string? rule) => DefaultFor(suite, rule) is { ValueKind: JsonValueKind.Number } d ? d.GetInt64() : throw new InvalidOperationException($"{Name} has no numeric default");
    public double? DoubleDefaultFor(string? suite, string? rule) => DefaultFor(suite, rule) is { ValueKind: JsonValueKind.Number } d ? d.GetDouble() : null;
    public string StringDefaultFor(string? suite, string? rule = null) => DefaultFor(suite, rule) is { ValueKind: JsonValueKind.String } d ? d.GetString()! : throw new InvalidOperationException($"{Name} has no text default");

    private static string Format(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
    private static string Num(double x) => x.ToString("G", CultureInfo.InvariantCulture);

    /// <summary>A JSON value for a default.</summary>
    public static JsonElement Value<T>(T value) => JsonSerializer.SerializeToElement(value);
}
