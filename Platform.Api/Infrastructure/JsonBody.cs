using System.Text.Json;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Reads a JSON request body ourselves rather than through parameter binding, so that malformed JSON, a wrong
/// type or an unknown member becomes a 400 ProblemDetails naming the field, and an oversized body a 413.
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType())
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Expected a JSON body (Content-Type: application/json)."));
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Strict, request.HttpContext.RequestAborted);
            return value is null ? (null, Problems.Field("body", "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.Field(FieldName(ex.Path), Describe(ex)));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.", "body"));
        }
    }

    /// <summary>"$.hyperparameters.lr" → "hyperparameters.lr"; the root → "body".</summary>
    private static string FieldName(string? path)
    {
        var p = (path ?? "$").TrimStart('$').TrimStart('.');
        return p.Length == 0 ? "body" : p;
    }

    private static string Describe(JsonException ex)
    {
        var message = ex.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal)) return "Unknown field.";
        if (message.Contains("could not be converted", StringComparison.Ordinal)) return "Wrong type for this field.";
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return "Malformed JSON: " + (cut > 0 ? message[..cut] : message);
    }
}
