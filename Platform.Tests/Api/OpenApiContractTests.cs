using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.EndToEnd;

namespace Platform.Tests.Api;

/// <summary>
/// The served /openapi/v1.json is a contract a client generator can use: every operation named and every response with
/// its schema (an endpoint added without WithName or Produces fails here), the middleware's 401/403/429 declared where
/// they apply, and no error or warning under a standard linter (Redocly, rules in redocly.yaml).
/// </summary>
public partial class OpenApiContractTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    [GeneratedRegex("^[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+$")]
    private static partial Regex PascalCaseVerbPhrase();

    private async Task<string> DocumentTextAsync() => await api.Client(api.TeamA.ApiKey).GetStringAsync("/openapi/v1.json");

    private async Task<JsonElement> DocumentAsync() => JsonDocument.Parse(await DocumentTextAsync()).RootElement;

    private static IEnumerable<(string Where, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        where Methods.Contains(method.Name)
        select ($"{method.Name.ToUpperInvariant()} {path.Name}", method.Value);

    private static JsonElement Operation(JsonElement document, string method, string path) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    [Fact]
    public async Task EveryOperationHasAnOperationIdAndEveryResponseItsSchema()
    {
        var document = await DocumentAsync();
        var faults = new List<string>();
        var ids = new HashSet<string>();
        foreach (var (where, operation) in Operations(document))
        {
            var id = operation.TryGetProperty("operationId", out var value) ? value.GetString() : null;
            if (id is null || !PascalCaseVerbPhrase().IsMatch(id)) faults.Add($"{where}: no PascalCase operationId ('{id}'; .WithName(\"VerbNoun\"))");
            else if (!ids.Add(id)) faults.Add($"{where}: operationId {id} is not unique");

            var responses = operation.GetProperty("responses").EnumerateObject().ToList();
            if (!responses.Any(r => r.Name.StartsWith('2'))) faults.Add($"{where}: no success response (.Produces<T>())");
            foreach (var response in responses)
            {
                var media = response.Value.TryGetProperty("content", out var content) ? content.EnumerateObject().ToList() : [];
                if (response.Name == "204")
                {
                    if (media.Count > 0) faults.Add($"{where}: 204 with a body");
                }
                else if (media.Count == 0 || media.Any(m => !m.Value.TryGetProperty("schema", out _)))
                    faults.Add($"{where}: response {response.Name} has no schema");
                else if (response.Name[0] is '4' or '5' && media.Any(m => m.Name != "application/problem+json"))
                    faults.Add($"{where}: error {response.Name} is not application/problem+json");
            }
            var anonymous = operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
            if (!anonymous && responses.All(r => r.Name != "401")) faults.Add($"{where}: needs a key but declares no 401");
        }
        Assert.True(faults.Count == 0, string.Join('\n', faults));
        Assert.Superset(new HashSet<string> { "ListRuns", "SubmitRun", "GetRun", "DownloadCheckpoint" }, ids);
    }

    [Fact]
    public async Task SuccessResponsesNameTheirSchemaAndFilesTheirContentType()
    {
        var document = await DocumentAsync();
        Assert.Equal("#/components/schemas/RunDto", Schema(Operation(document, "get", "/api/runs/{id}"), "200", "application/json").GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/RunPage", Schema(Operation(document, "get", "/api/runs"), "200", "application/json").GetProperty("$ref").GetString());

        var download = Operation(document, "get", "/api/checkpoints/{id}/download");
        var file = Resolve(document, Schema(download, "200", "application/octet-stream"));
        Assert.Equal("binary", file.GetProperty("format").GetString());
        Assert.True(download.GetProperty("responses").GetProperty("200").GetProperty("headers").TryGetProperty("X-Checksum-Sha256", out _));
        Assert.Equal("binary", Resolve(document, Schema(Operation(document, "get", "/api/runs/{id}/replay"), "200", "image/gif")).GetProperty("format").GetString());

        var upload = Resolve(document, Operation(document, "post", "/api/checkpoints").GetProperty("requestBody").GetProperty("content")
            .GetProperty("multipart/form-data").GetProperty("schema"));
        Assert.Equal(["file", "name"], upload.GetProperty("required").EnumerateArray().Select(e => e.GetString()).Order());
    }

    [Fact]
    public async Task AuthenticationScopeAndRateLimitResponsesAreDeclaredWhereTheyApply()
    {
        var document = await DocumentAsync();
        static HashSet<string> Codes(JsonElement operation) => operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();

        // Every key may read, so a read cannot be refused for its scope; anything else can.
        var listRuns = Codes(Operation(document, "get", "/api/runs"));
        Assert.Contains("401", listRuns);
        Assert.DoesNotContain("403", listRuns);
        Assert.Contains("403", Codes(Operation(document, "post", "/api/runs")));
        Assert.Contains("403", Codes(Operation(document, "delete", "/api/auth/keys/{id}")));

        // The rate-limited endpoints (RateLimits) say when to come back.
        foreach (var (method, path) in new[] { ("post", "/api/checkpoints"), ("post", "/api/auth/login") })
        {
            var tooMany = Operation(document, method, path).GetProperty("responses").GetProperty("429");
            Assert.True(tooMany.GetProperty("headers").TryGetProperty("Retry-After", out _), $"{method} {path}: 429 without Retry-After");
        }
        Assert.DoesNotContain("429", Codes(Operation(document, "get", "/api/checkpoints")));

        // The open operations say so, overriding the document's API key requirement.
        foreach (var (method, path) in new[] { ("get", "/health"), ("post", "/api/auth/login") })
            Assert.Equal(0, Operation(document, method, path).GetProperty("security").GetArrayLength());
        Assert.DoesNotContain("401", Codes(Operation(document, "get", "/health")));

        Assert.All(document.GetProperty("servers").EnumerateArray(), s => Assert.False(s.GetProperty("url").GetString()!.EndsWith('/')));
    }

    [Fact]
    public async Task TheDocumentIsLintCleanUnderRedocly()
    {
        var file = Path.Combine(Path.GetTempPath(), $"openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await DocumentTextAsync());
        try
        {
            var root = WebFixture.RepoRoot();
            // The first run installs the linter with npm (scripts/openapi-lint.sh); later ones reuse it.
            var lint = await ChildProcess.RunAsync("bash", [Path.Combine(root, "scripts", "openapi-lint.sh"), file, "--format=json"], root,
                TimeSpan.FromMinutes(5));
            var json = lint.Stdout.IndexOf('{') is var start and >= 0 ? lint.Stdout[start..] : "";
            Assert.True(json.Length > 0, $"no lint report: {lint}");
            var report = JsonDocument.Parse(json).RootElement;
            var problems = report.GetProperty("problems").EnumerateArray().Select(p =>
                $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()} at " +
                $"{p.GetProperty("location")[0].GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}").ToList();
            Assert.True(problems.Count == 0, string.Join('\n', problems));
            Assert.Equal(0, report.GetProperty("totals").GetProperty("errors").GetInt32());
            Assert.Equal(0, report.GetProperty("totals").GetProperty("warnings").GetInt32());
            Assert.Equal(0, lint.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static JsonElement Schema(JsonElement operation, string status, string mediaType) =>
        operation.GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty(mediaType).GetProperty("schema");

    /// <summary>A schema, or the component its $ref names.</summary>
    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;
}
