using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Data;

/// <summary>The platform's JSON spelling, shared by the API's responses and the stored run specs.</summary>
public static class PlatformJson
{
    /// <summary>Kebab-case enums ("meta-train"), the spelling the database and query strings use too (<see cref="WireNames"/>).</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }
}
