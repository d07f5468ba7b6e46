namespace Platform.Api.Auth;

/// <summary>Settings under "Platform:ApiKeys": how long keys live, how often live hub connections are rechecked.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>A new key's lifetime when the request names none (also the bootstrap administrator's key): 90 days.</summary>
    public int DefaultLifetimeHours { get; set; } = 90 * 24;

    /// <summary>The longest lifetime a request may ask for: a year. No key lives for ever.</summary>
    public int MaxLifetimeHours { get; set; } = 365 * 24;

    /// <summary>
    /// How often the progress hub rechecks the keys of its live connections and closes those whose key was revoked
    /// (by any API instance) or has expired. A revocation through this instance closes its connections at once.
    /// </summary>
    public int RecheckSeconds { get; set; } = 30;

    /// <summary>
    /// How long this API instance trusts a key it has looked up (<see cref="ApiKeyCache"/>): a revocation through this
    /// instance takes effect at once, one made elsewhere within this many seconds. 0 looks every key up per request.
    /// </summary>
    public int CacheSeconds { get; set; } = 10;
}
