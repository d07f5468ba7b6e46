using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Data;

namespace Platform.Api.Infrastructure;

public static class ApiJson
{
    /// <summary>Web defaults (camelCase) plus kebab-case enums ("meta-train"), the spelling the database uses too.</summary>
    public static void Configure(JsonSerializerOptions options) => PlatformJson.Configure(options);

    /// <summary>For reading request bodies: unknown members are errors, so a misspelt field is named, not ignored.</summary>
    public static readonly JsonSerializerOptions Strict = CreateStrict();

    private static JsonSerializerOptions CreateStrict()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        Configure(options);
        return options;
    }
}
