using System.Collections;
using System.Reflection;
using System.Text.Json;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The web app keeps its own copies of the API's response records (Platform.Web/Services/ApiModels.cs: it has no reference to
/// the API). Every property a copy reads must exist in the API's record of the same name with the same JSON kind, so a
/// renamed or retyped field fails here instead of reading as null in a page.
/// </summary>
public class WebContractCopiesTests
{
    /// <summary>The JSON kind a property serialises as (enums are kebab-case strings on the wire).</summary>
    private static string Kind(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string) || t.IsEnum) return "string";
        if (t == typeof(Guid)) return "guid";
        if (t == typeof(bool)) return "bool";
        if (t == typeof(DateTimeOffset) || t == typeof(DateTime)) return "date";
        if (t == typeof(JsonElement)) return "any";
        if (t.IsPrimitive || t == typeof(decimal)) return "number";
        if (typeof(IDictionary).IsAssignableFrom(t) || t.GetInterfaces().Append(t).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>)))
            return "object";
        if (typeof(IEnumerable).IsAssignableFrom(t)) return "array";
        return "object";
    }

    [Fact]
    public void EveryFieldTheWebReadsIsInTheApisRecordWithTheSameKind()
    {
        var web = WebAssemblyOfThisBuild.Type("Platform.Web.Services.RunDto").Assembly;
        var api = new[] { typeof(Platform.Api.Runs.RunDto).Assembly, typeof(Platform.Data.PlatformDbContext).Assembly }
            .SelectMany(a => a.GetExportedTypes()).GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.ToList());
        var copies = web.GetExportedTypes().Where(t => t.Namespace == "Platform.Web.Services" && t.Name.EndsWith("Dto", StringComparison.Ordinal)).ToList();
        var compared = 0;
        var problems = new List<string>();
        foreach (var copy in copies)
        {
            if (!api.TryGetValue(copy.Name, out var candidates)) continue;
            var original = candidates.First();
            compared++;
            // Properties the web computes itself (no setter) are not read from JSON.
            foreach (var p in copy.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
            {
                var o = original.GetProperty(p.Name, BindingFlags.Public | BindingFlags.Instance);
                if (o is null) problems.Add($"{copy.Name}.{p.Name}: not in the API's {original.FullName}");
                else if (Kind(p.PropertyType) != "any" && Kind(o.PropertyType) != "any" && Kind(p.PropertyType) != Kind(o.PropertyType))
                    problems.Add($"{copy.Name}.{p.Name}: the web reads {Kind(p.PropertyType)}, the API writes {Kind(o.PropertyType)}");
            }
        }
        Assert.True(compared >= 30, $"only {compared} of the web's records have an API record of the same name: the comparison has lost its subjects");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
