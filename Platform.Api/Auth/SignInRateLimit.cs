using System.Threading.RateLimiting;
using Platform.Api.Infrastructure;

namespace Platform.Api.Auth;

/// <summary>
/// Sign-in attempts are rate limited twice with System.Threading.RateLimiting fixed windows of a minute: per account
/// (<c>Platform:SignInPermitsPerMinute</c> attempts on one email, whoever makes them: password guessing gets 429s with
/// Retry-After) and per client address (five times as many: one address cannot sweep many accounts; the endpoint's
/// <see cref="RateLimits.SignInAddress"/> policy). Browser sign-ins
/// reach the API from the web server's address, which is why the per-account limit is the tight one.
/// </summary>
public sealed class SignInRateLimit(int permitsPerMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAccount = PartitionedRateLimiter.Create<string, string>(email =>
        RateLimitPartition.GetFixedWindowLimiter(email, _ => Window(permitsPerMinute)));

    public static FixedWindowRateLimiterOptions Window(int permits) =>
        new() { PermitLimit = Math.Max(1, permits), Window = TimeSpan.FromMinutes(1), QueueLimit = 0 };

    /// <returns>Null when the attempt may go ahead, else the 429 to answer.</returns>
    public IResult? TryAttempt(HttpContext context, string email)
    {
        using var lease = _perAccount.AttemptAcquire(email);
        return lease.IsAcquired ? null : RateLimits.TooMany(context, lease, "Too many sign-in attempts.", "Too many sign-in attempts for this account");
    }

    public void Dispose() => _perAccount.Dispose();
}
