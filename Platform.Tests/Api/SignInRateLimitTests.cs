using System.Net;
using System.Net.Http.Json;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

/// <summary>Password guessing is rate limited per account (an API of its own, so other tests' sign-ins are not counted).</summary>
public class SignInRateLimitTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task RepeatedWrongPasswordsForOneAccountGet429sWithRetryAfterAndOtherAccountsAreUnaffected()
    {
        using var client = api.Client();
        var permits = new Platform.Api.PlatformOptions().SignInPermitsPerMinute;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < permits + 5; i++)
            statuses.Add((await client.PostAsJsonAsync("/api/auth/login", new { email = ApiFixture.AdminEmail, password = $"guess {i}" })).StatusCode);
        Assert.All(statuses.Take(permits), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(statuses.Skip(permits), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));

        // Even the right password waits out the window, and says how long.
        var blocked = await client.PostAsJsonAsync("/api/auth/login", new { email = ApiFixture.AdminEmail, password = ApiFixture.AdminPassword });
        var problem = await AssertProblemAsync(blocked, HttpStatusCode.TooManyRequests);
        Assert.Contains("Too many sign-in attempts", problem.GetProperty("title").GetString());
        Assert.InRange(int.Parse(blocked.Headers.GetValues("Retry-After").Single()), 1, 60);

        // Another account signs in as usual (emails are case-insensitive: the same account counts whatever its case).
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await client.PostAsJsonAsync("/api/auth/login", new { email = ApiFixture.AdminEmail.ToUpperInvariant(), password = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await client.PostAsJsonAsync("/api/auth/login", new { email = api.TeamB.Email, password = api.TeamB.Password })).StatusCode);
    }
}
