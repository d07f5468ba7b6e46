using System.Net;
using System.Text.Json;

namespace Platform.Web.Services;

/// <summary>An API call's outcome: the value, or a problem the page can show (status, title, field errors).</summary>
public sealed class ApiResult<T>
{
    public T? Value { get; init; }
    public HttpStatusCode? Status { get; init; }
    public string? Problem { get; init; }
    /// <summary>Field errors from a validation problem, keyed by the API's JSON field name (e.g. "steps").</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();
    /// <summary>A problem's other string members (e.g. a 409's "checkpointId"), by their JSON name.</summary>
    public IReadOnlyDictionary<string, string> Members { get; init; } = new Dictionary<string, string>();
    public bool Ok => Problem is null;
    /// <summary>The API could not be reached at all (not an HTTP error).</summary>
    public bool Unreachable { get; init; }
    public bool NotFound => Status == HttpStatusCode.NotFound;

    public static ApiResult<T> Success(T value, HttpStatusCode status) => new() { Value = value, Status = status };

    public static ApiResult<T> FromUnreachable(Exception ex) => new()
    {
        Unreachable = true,
        Problem = "The platform API is unreachable (" + ex.Message + ").",
    };

    public static async Task<ApiResult<T>> FromProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string title = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var errors = new Dictionary<string, string[]>();
        var members = new Dictionary<string, string>();
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (text.Length > 0)
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object)
                {
                    if (root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) title = d.GetString()!;
                    else if (root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString()!;
                    if (root.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                        foreach (var p in e.EnumerateObject())
                            errors[p.Name] = p.Value.ValueKind == JsonValueKind.Array
                                ? p.Value.EnumerateArray().Select(x => x.ToString()).ToArray()
                                : [p.Value.ToString()];
                    foreach (var p in root.EnumerateObject())
                        if (p.Value.ValueKind == JsonValueKind.String) members[p.Name] = p.Value.GetString()!;
                }
            }
        }
        catch (JsonException) { }
        return new ApiResult<T> { Status = response.StatusCode, Problem = title, Errors = errors, Members = members };
    }
}
