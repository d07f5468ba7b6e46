using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Platform.Api.Auth;
using Platform.Data;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Declares in the OpenAPI document the responses the middleware gives before an endpoint runs, from the same endpoint
/// metadata the middleware reads, so that no endpoint has to repeat them and a new endpoint is described like the others:
/// 401 for every operation that needs a key or session, 403 where the key's scope can be too narrow
/// (<see cref="ScopeAuthorization.Needed(ScopeAuthorization.RequiredScope?, bool)"/>: every key may read, so reads never
/// get one), 429 with Retry-After where a rate limit applies (<see cref="RateLimits"/>). An anonymous operation says so
/// (an empty security requirement overrides the document's API key).
/// </summary>
public sealed class MiddlewareResponsesTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
            operation.Security = [];
        else
        {
            await AddProblemAsync(operation, context, StatusCodes.Status401Unauthorized,
                "No valid API key (Authorization: Bearer or X-Api-Key) and no session cookie.", ct);
            var isRead = ScopeAuthorization.IsReadMethod(context.Description.HttpMethod ?? HttpMethods.Get);
            if (ScopeAuthorization.Needed(metadata.OfType<ScopeAuthorization.RequiredScope>().LastOrDefault(), isRead) > ApiKeyScope.Read)
                await AddProblemAsync(operation, context, StatusCodes.Status403Forbidden,
                    "The API key's scope does not allow this request; the problem names the scope held and the one needed.", ct);
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            var tooMany = await AddProblemAsync(operation, context, StatusCodes.Status429TooManyRequests,
                "Rate limited: try again after Retry-After seconds.", ct);
            OpenApiResponseHeaders.Add(tooMany, "Retry-After", "Seconds to wait before trying again.", JsonSchemaType.Integer);
        }
    }

    /// <summary>A ProblemDetails response for <paramref name="status"/>, unless the endpoint declares that status itself.</summary>
    private static async Task<OpenApiResponse> AddProblemAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context,
        int status, string description, CancellationToken ct)
    {
        operation.Responses ??= new OpenApiResponses();
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse declared) return declared;

        // The same component ProducesProblem refers to: registered here in case no endpoint has declared a problem yet.
        var document = context.Document!;
        document.AddComponent(nameof(ProblemDetails), await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), document) },
            },
        };
        operation.Responses[key] = response;
        return response;
    }
}
