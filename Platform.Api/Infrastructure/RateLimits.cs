using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Api.Auth;

namespace Platform.Api.Infrastructure;

/// <summary>
/// The API's rate limits (ASP.NET Core's rate limiter, System.Threading.RateLimiting), each refused with a 429
/// ProblemDetails and Retry-After: sign-in attempts per client address (<see cref="SignInAddress"/>; the per-account
/// limit is <see cref="SignInRateLimit"/>), and meta-network uploads in progress at once (<see cref="Uploads"/>,
/// <c>Platform:MaxConcurrentUploads</c>): each upload holds its body and the arrays it unpacks while it is checked,
/// so their number, not only their size, bounds the API's memory.
/// </summary>
public static class RateLimits
{
    public const string SignInAddress = "sign-in-address";
    public const string Uploads = "uploads";

    public static IServiceCollection AddPlatformRateLimits(this IServiceCollection services, PlatformOptions options)
    {
        services.AddSingleton(new SignInRateLimit(options.SignInPermitsPerMinute));
        return services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInAddress, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => SignInRateLimit.Window(5 * options.SignInPermitsPerMinute)));
            // One limiter for the whole API (memory is the API's, whoever uploads); no queue: a refused upload is retried.
            o.AddConcurrencyLimiter(Uploads, c => (c.PermitLimit, c.QueueLimit) = (Math.Max(1, options.MaxConcurrentUploads), 0));
            o.OnRejected = (context, _) =>
            {
                var policy = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
                var result = policy == Uploads
                    ? TooMany(context.HttpContext, context.Lease, "Too many uploads in progress.",
                        $"{options.MaxConcurrentUploads} meta-network upload(s) are already being checked", retryAfterSeconds: 5)
                    : TooMany(context.HttpContext, context.Lease, "Too many sign-in attempts.", "Too many sign-in attempts from this address");
                return new ValueTask(result.ExecuteAsync(context.HttpContext));
            };
        });
    }

    /// <summary>A 429 ProblemDetails with Retry-After: the lease's own retry time when it has one.</summary>
    public static IResult TooMany(HttpContext context, RateLimitLease lease, string title, string what, int retryAfterSeconds = 60)
    {
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? (int)Math.Ceiling(retryAfter.TotalSeconds) : retryAfterSeconds;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: title, detail: $"{what}; try again in {seconds} s.");
    }
}
