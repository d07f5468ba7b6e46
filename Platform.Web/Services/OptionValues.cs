using System.Globalization;
using System.Text.Json;

namespace Platform.Web.Services;

/// <summary>
/// Form text for run options (GET /api/run-options): checked against the option's own type, range and choices, with the
/// API's wording, and turned into the JSON the API takes. Shared by the submit form and the pipeline form so the two
/// check and send an option the same way.
/// </summary>
public static class OptionValues
{
    /// <summary>Null when <paramref name="text"/> is empty (the default applies) or a valid value of the option; else what is wrong.</summary>
    public static string? Problem(RunOptionDto option, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (option.Choices is not null) return option.Choices.Contains(text) ? null : $"One of {string.Join(", ", option.Choices)}.";
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x)) return "Must be a number.";
        if (option.IsInteger && x != Math.Floor(x)) return "Must be a whole number.";
        // An integer option is sent as a whole number (TryWhole); any value in range is one.
        return option.CheckRange(x) ?? (option.IsInteger && !TryWhole(text, out _) ? "Must be a whole number." : null);
    }

    /// <summary>The options the user filled in, as the request's hyperparameters (null when none: the API applies every default).</summary>
    public static Dictionary<string, JsonElement>? Hyperparameters(IEnumerable<RunOptionDto> options, IReadOnlyDictionary<string, string?> values)
    {
        var hyper = new Dictionary<string, JsonElement>();
        foreach (var h in options)
            if (values.GetValueOrDefault(h.Name) is { } v && !string.IsNullOrWhiteSpace(v))
                hyper[h.Name] = h.Choices is not null ? JsonSerializer.SerializeToElement(v)
                    : h.IsInteger ? JsonSerializer.SerializeToElement(Whole(v))
                    : JsonSerializer.SerializeToElement(double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture));
        return hyper.Count > 0 ? hyper : null;
    }

    /// <summary>
    /// A whole number as typed: "1_000" allowed, and any notation whose value is whole ("1e4", "2.5e5", "1E+6", "100.0");
    /// "1.5" and "1e-3" are not whole numbers.
    /// </summary>
    public static bool TryWhole(string? text, out long value)
    {
        var t = text?.Replace("_", "").Trim();
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return true;
        // Whole as a double and as a decimal: a double rounds a long fraction away (1.0000000000000000001), a decimal a
        // tiny one (1e-30); either way it is not a whole number.
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x) || x != Math.Floor(x)
            || !decimal.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d != decimal.Truncate(d)
            || d < long.MinValue || d > long.MaxValue)
            return false;
        value = (long)d;
        return true;
    }

    /// <summary>The value of a whole-number field that passed <see cref="WholeProblem"/>.</summary>
    public static long Whole(string text) =>
        TryWhole(text, out var value) ? value : throw new FormatException($"'{text}' is not a whole number.");

    /// <summary>A whole-number field of the submission itself (steps, episodes, seed), checked against its option's range; null when fine.</summary>
    public static string? WholeProblem(RunOptionDto option, string? text, bool required)
    {
        if (string.IsNullOrWhiteSpace(text)) return required ? $"Enter the {option.Label.ToLowerInvariant()}." : null;
        if (!TryWhole(text, out var x)) return "Must be a whole number.";
        return option.CheckRange(x);
    }

    /// <summary>Comma-separated seeds, each listed once (a repeat is dropped), at most <paramref name="max"/>.</summary>
    public static (List<long> Seeds, string? Error) ParseSeeds(string? text, int max)
    {
        var seeds = new List<long>();
        if (string.IsNullOrWhiteSpace(text)) return (seeds, null);
        foreach (var part in text.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s > int.MaxValue)
                return (seeds, $"'{part}' is not a seed: seeds are whole numbers from 0 to {int.MaxValue}, separated by commas.");
            if (!seeds.Contains(s)) seeds.Add(s);
        }
        if (seeds.Count > max) return (seeds, $"At most {max} seeds per submission.");
        return (seeds, null);
    }
}
