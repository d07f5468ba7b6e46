using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Platform.Api.Infrastructure;
using Platform.Data;

namespace Platform.Api.Auth;

/// <summary>
/// Every authenticated request is checked against the scope it holds (<see cref="ApiKeyScope"/>): reads (GET, HEAD,
/// OPTIONS and the progress hub, whose negotiation is a POST) need <c>read</c>, any other method <c>submit</c>, and
/// an endpoint may ask for more with <see cref="RequireScope{TBuilder}"/>. The rule is by method rather than by
/// endpoint so that a new endpoint is guarded without anyone remembering to. A refusal is a 403 ProblemDetails
/// naming both scopes.
/// </summary>
public static class ScopeAuthorization
{
    /// <summary>Endpoint metadata: the scope the endpoint needs when its method alone would ask for less.</summary>
    public sealed record RequiredScope(ApiKeyScope Scope);

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiKeyScope scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));

    public static ApiKeyScope Needed(HttpContext http) =>
        Needed(http.GetEndpoint()?.Metadata.GetMetadata<RequiredScope>(), IsRead(http.Request));

    /// <summary>
    /// The scope a request needs: the endpoint's own when it asks for one, else read or submit by method. Shared with the
    /// OpenAPI document (<see cref="Infrastructure.MiddlewareResponsesTransformer"/>), which declares a 403 where this can refuse.
    /// </summary>
    public static ApiKeyScope Needed(RequiredScope? required, bool isRead) =>
        required?.Scope ?? (isRead ? ApiKeyScope.Read : ApiKeyScope.Submit);

    /// <summary>A request that changes nothing: GET, HEAD, OPTIONS, or the progress hub (its negotiation is a POST).</summary>
    public static bool IsRead(HttpRequest request) =>
        IsReadMethod(request.Method) || request.Path.StartsWithSegments(ApiKeyAuthenticationHandler.HubPathPrefix);

    public static bool IsReadMethod(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    public sealed class Requirement : IAuthorizationRequirement;

    public sealed class Handler : AuthorizationHandler<Requirement, HttpContext>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, Requirement requirement, HttpContext http)
        {
            var (held, needed) = (context.User.GetScope(), Needed(http));
            if (held >= needed) context.Succeed(requirement);
            else context.Fail(new AuthorizationFailureReason(this,
                $"This API key's scope is '{WireNames.ToWire(held)}'; this request needs '{WireNames.ToWire(needed)}'."));
            return Task.CompletedTask;
        }
    }

    /// <summary>Writes a scope refusal as a 403 ProblemDetails that says why; everything else as ASP.NET Core would.</summary>
    public sealed class ResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
        {
            if (result.Forbidden && result.AuthorizationFailure?.FailureReasons.FirstOrDefault(r => r.Handler is Handler) is { } reason)
            {
                await Problems.Status(StatusCodes.Status403Forbidden, reason.Message, "scope").ExecuteAsync(context);
                return;
            }
            await _default.HandleAsync(next, context, policy, result);
        }
    }
}
