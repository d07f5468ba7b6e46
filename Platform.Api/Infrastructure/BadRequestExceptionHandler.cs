using Microsoft.AspNetCore.Diagnostics;

namespace Platform.Api.Infrastructure;

/// <summary>
/// Turns Kestrel's BadHttpRequestException (e.g. a body over the size limit read outside JsonBody) into
/// ProblemDetails with its own status code instead of a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = bad.StatusCode, Detail = bad.Message },
        });
    }
}
