using System.Globalization;
using Microsoft.OpenApi;

namespace Platform.Api.Infrastructure;

/// <summary>Headers in the OpenAPI document's responses, which Produces cannot declare.</summary>
public static class OpenApiResponseHeaders
{
    /// <summary>Declares a header the endpoint sets on its <paramref name="status"/> response.</summary>
    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder builder, int status, string name, string description) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.TryGetValue(status.ToString(CultureInfo.InvariantCulture), out var response) == true
                && response is OpenApiResponse declared)
                Add(declared, name, description, JsonSchemaType.String);
            return Task.CompletedTask;
        });

    public static void Add(OpenApiResponse response, string name, string description, JsonSchemaType type)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
    }
}
