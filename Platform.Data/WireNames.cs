using System.Collections.Concurrent;
using System.Text.Json;

namespace Platform.Data;

/// <summary>
/// The one spelling of enum values outside C#: kebab-case ("meta-train", "succeeded"). The database, the
/// JSON API and query strings all use it, so a status reads the same in SQL, in a URL and in a response.
/// </summary>
public static class WireNames
{
    public static string ToWire<T>(T value) where T : struct, Enum => Cache<T>.ToWire[value];

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum =>
        Cache<T>.FromWire.TryGetValue(text ?? "", out value);

    public static T Parse<T>(string text) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new FormatException($"'{text}' is not a {typeof(T).Name}.");

    public static IReadOnlyList<string> All<T>() where T : struct, Enum => [.. Cache<T>.ToWire.Values];

    private static class Cache<T> where T : struct, Enum
    {
        public static readonly IReadOnlyDictionary<T, string> ToWire =
            Enum.GetValues<T>().ToDictionary(v => v, v => JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString()));

        public static readonly IReadOnlyDictionary<string, T> FromWire =
            ToWire.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.OrdinalIgnoreCase);
    }
}
