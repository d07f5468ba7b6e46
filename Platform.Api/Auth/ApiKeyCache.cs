using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Platform.Data.Entities;

namespace Platform.Api.Auth;

/// <summary>
/// Valid API keys (with their user) by key hash for <see cref="ApiKeyOptions.CacheSeconds"/>, so that a script or
/// dashboard polling the API does not cost a key lookup per request. A key's expiry is checked on every request from
/// the cached row; a revocation through this instance evicts the key at once (<see cref="Evict"/>); a change made
/// elsewhere (another API instance, the database) is seen within CacheSeconds, as the hub's recheck sees it within
/// RecheckSeconds. Unknown and revoked keys are never cached.
/// </summary>
public sealed class ApiKeyCache(IOptions<PlatformOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private readonly TimeSpan _lifetime = TimeSpan.FromSeconds(Math.Max(0, options.Value.ApiKeys.CacheSeconds));

    public ApiKey? TryGet(byte[] hash) => _cache.TryGetValue(Convert.ToHexString(hash), out ApiKey? key) ? key : null;

    /// <summary>Caches a key read from the database (tracked by no context; its <see cref="ApiKey.User"/> loaded).</summary>
    public void Set(ApiKey key)
    {
        if (_lifetime <= TimeSpan.Zero || key.RevokedAt is not null || key.User is null) return;
        _cache.Set(Convert.ToHexString(key.KeyHash), key, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _lifetime });
    }

    public void Evict(byte[] hash) => _cache.Remove(Convert.ToHexString(hash));

    public void Dispose() => _cache.Dispose();
}
