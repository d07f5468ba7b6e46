using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Platform.Api.Auth;

/// <summary>
/// Sign-in attempts are rate limited twice with System.Threading.RateLimiting fixed windows of a minute: per account
/// (<c>Platform:SignInPermitsPerMinute</c> attempts on one email, whoever makes them: password guessing gets 429s with
/// Retry-After) and per client address (five times as many: one address cannot sweep many accounts). Browser sign-ins
/// reach the API from the web server's address, which is why the per-account limit is the tight one.
/// </summary>
public sealed class SignInRateLimit(int permitsPerMinute) : IDisposable
{
    public const string AddressPolicy = "sign-in-address";

    private readonly PartitionedRateLimiter<string> _perAccount = PartitionedRateLimiter.Create<string, string>(email =>
        RateLimitPartition.GetFixedWindowLimiter(email, _ => Window(permitsPerMinute)));

    private static FixedWindowRateLimiterOptions Window(int permits) =>
        new() { PermitLimit = Math.Max(1, permits), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };

    /// <returns>Null when the attempt may go ahead, else the 429 to answer.</returns>
    public IResult? TryAttempt(HttpContext context, string email)
    {
        using var lease = _perAccount.AttemptAcquire(email);
        return lease.IsAcquired ? null : TooMany(context, lease, "this account");
    }

    private static IResult TooMany(HttpContext context, RateLimitLease lease, string what)
    {
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? (int)Math.Ceiling(retryAfter.TotalSeconds) : 60;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts.",
            detail: $"Too many sign-in attempts for {what}; try again in {seconds} s.");
    }

    public void Dispose() => _perAccount.Dispose();

    public static void AddTo(IServiceCollection services, int permitsPerMinute)
    {
        services.AddSingleton(new SignInRateLimit(permitsPerMinute));
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(AddressPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => Window(5 * permitsPerMinute)));
            o.OnRejected = (context, _) => new ValueTask(TooMany(context.HttpContext, context.Lease, "this address").ExecuteAsync(context.HttpContext));
        });
    }
}
