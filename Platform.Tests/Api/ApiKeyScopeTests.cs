using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Auth;
using Platform.Api.Progress;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>
/// API keys have a scope (read ⊂ submit ⊂ admin) and an expiry: a key does only what its scope allows, only admin
/// keys mint or revoke keys, an expired key authenticates nothing, and a key's end closes its live hub connections.
/// </summary>
public class ApiKeyScopeTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private HttpClient Admin => api.Client(api.TeamA.ApiKey);

    private async Task<(Guid Id, string Key)> MintAsync(string scope, int? expiresInHours = null)
    {
        var created = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/auth/keys", new { name = $"{scope} key", scope, expiresInHours }),
            HttpStatusCode.Created);
        Assert.Equal(scope, created.GetProperty("scope").GetString());
        return (created.GetProperty("id").GetGuid(), created.GetProperty("key").GetString()!);
    }

    private static object Run => new { env = "catch/5x5", rule = "actor-critic", steps = 100 };

    private async Task AssertScopeRefusedAsync(HttpResponseMessage response, string held, string needed)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"'{held}'", detail);
        Assert.Contains($"'{needed}'", detail);
    }

    [Fact]
    public async Task AReadKeyReadsButCannotSubmitMintOrRevoke()
    {
        var (id, key) = await MintAsync("read");
        using var reader = api.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/auth/keys")).StatusCode);

        var runs = await api.CountRunsAsync();
        await AssertScopeRefusedAsync(await reader.SubmitAsync(Run), "read", "submit");
        Assert.Equal(runs, await api.CountRunsAsync());
        await AssertScopeRefusedAsync(await reader.PostAsJsonAsync("/api/auth/keys", new { name = "escalate", scope = "admin" }), "read", "admin");
        await AssertScopeRefusedAsync(await reader.DeleteAsync($"/api/auth/keys/{id}"), "read", "admin");
        await using var db = api.Db();
        Assert.Null((await db.ApiKeys.SingleAsync(k => k.Id == id)).RevokedAt);
    }

    [Fact]
    public async Task ASubmitKeySubmitsButCannotMintKeys()
    {
        var (_, key) = await MintAsync("submit");
        using var submitter = api.Client(key);
        Assert.Equal(HttpStatusCode.Created, (await submitter.SubmitAsync(Run)).StatusCode);
        var keys = await api.ScalarAsync("SELECT count(*) FROM api_keys");
        await AssertScopeRefusedAsync(await submitter.PostAsJsonAsync("/api/auth/keys", new { name = "more", scope = "read" }), "submit", "admin");
        Assert.Equal(keys, await api.ScalarAsync("SELECT count(*) FROM api_keys"));
    }

    [Fact]
    public async Task AnAdminKeyMintsKeysWithinTheScopesAndLifetimesAllowed()
    {
        var limits = new ApiKeyOptions();
        var created = await ReadJsonAsync(await Admin.PostAsJsonAsync("/api/auth/keys", new { name = "defaults" }), HttpStatusCode.Created);
        Assert.Equal("submit", created.GetProperty("scope").GetString());
        var expected = DateTimeOffset.UtcNow.AddHours(limits.DefaultLifetimeHours);
        Assert.InRange(created.GetProperty("expiresAt").GetDateTimeOffset(), expected.AddMinutes(-5), expected.AddMinutes(5));

        var keys = await api.ScalarAsync("SELECT count(*) FROM api_keys");
        await AssertFieldProblemAsync(await Admin.PostAsJsonAsync("/api/auth/keys", new { name = "x", scope = "root" }), HttpStatusCode.BadRequest, "scope");
        await AssertFieldProblemAsync(await Admin.PostAsJsonAsync("/api/auth/keys", new { name = "x", expiresInHours = 0 }), HttpStatusCode.BadRequest, "expiresInHours");
        await AssertFieldProblemAsync(await Admin.PostAsJsonAsync("/api/auth/keys", new { name = "x", expiresInHours = limits.MaxLifetimeHours + 1 }),
            HttpStatusCode.BadRequest, "expiresInHours");
        Assert.Equal(keys, await api.ScalarAsync("SELECT count(*) FROM api_keys"));

        var (id, _) = await MintAsync("admin", limits.MaxLifetimeHours);
        var listed = (await ReadJsonAsync(await Admin.GetAsync("/api/auth/keys"))).EnumerateArray().Single(k => k.GetProperty("id").GetGuid() == id);
        Assert.Equal("admin", listed.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task AnExpiredKeyIs401()
    {
        var (id, key) = await MintAsync("read");
        Assert.Equal(HttpStatusCode.OK, (await api.Client(key).GetAsync("/api/runs")).StatusCode);
        // Expired in the database, not through this instance: the instance's key cache trusts the key at most
        // Platform:ApiKeys:CacheSeconds longer.
        await api.ScalarAsync("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = @id RETURNING 1", ("id", id));
        await Task.Delay(TimeSpan.FromSeconds(ApiFixture.ApiKeyCacheSeconds + 0.5));
        await AssertProblemAsync(await api.Client(key).GetAsync("/api/runs"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AKeyRevokedThroughTheApiIs401AtOnceThoughItWasCached()
    {
        var (id, key) = await MintAsync("read");
        Assert.Equal(HttpStatusCode.OK, (await api.Client(key).GetAsync("/api/runs")).StatusCode);   // now cached
        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/auth/keys/{id}")).StatusCode);
        await AssertProblemAsync(await api.Client(key).GetAsync("/api/runs"), HttpStatusCode.Unauthorized);
    }

    private HubConnection Hub(string key) => new HubConnectionBuilder()
        .WithUrl(new Uri(api.BaseAddress, ProgressHub.Path), o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
        .Build();

    private static async Task<TaskCompletionSource> StartAsync(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.StartAsync();
        Assert.Equal(HubConnectionState.Connected, hub.State);
        return closed;
    }

    [Fact]
    public async Task RevokingAKeyClosesItsLiveHubConnectionsAndNotOthers()
    {
        var (id, key) = await MintAsync("read");
        await using var revoked = Hub(key);
        await using var other = Hub(api.TeamA.ApiKey);
        var revokedClosed = await StartAsync(revoked);
        var otherClosed = await StartAsync(other);

        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/api/auth/keys/{id}")).StatusCode);
        await revokedClosed.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the periodic recheck is off in these tests
        Assert.Equal(HubConnectionState.Disconnected, revoked.State);
        Assert.False(otherClosed.Task.IsCompleted);
        Assert.Equal(HubConnectionState.Connected, other.State);
    }

    [Fact]
    public async Task AConnectionWhoseKeyExpiresOrIsRevokedElsewhereIsClosedByTheRecheck()
    {
        // No revocation through this API instance: only the periodic recheck (Platform:ApiKeys:RecheckSeconds) can see it.
        var (expiringId, expiring) = await MintAsync("read");
        var (revokedId, revoked) = await MintAsync("read");
        await using var a = Hub(expiring);
        await using var b = Hub(revoked);
        var aClosed = await StartAsync(a);
        var bClosed = await StartAsync(b);

        await api.ScalarAsync("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = @id RETURNING 1", ("id", expiringId));
        await api.ScalarAsync("UPDATE api_keys SET revoked_at = now() WHERE id = @id RETURNING 1", ("id", revokedId));
        await Task.Delay(500);
        Assert.Equal(HubConnectionState.Connected, a.State); // nothing closes them before the recheck
        await api.App.Services.GetRequiredService<KeyConnections>().RecheckAsync();
        await Task.WhenAll(aClosed.Task, bClosed.Task).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
