using System.Net;
using System.Net.Http.Json;
using static Platform.Tests.Api.HttpAssertions;

namespace Platform.Tests.Api;

public class AuthTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task HealthNeedsNoCredentials()
    {
        var response = await api.Client().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/runs")]
    [InlineData("/api/environments")]
    [InlineData("/api/rules")]
    [InlineData("/api/checkpoints")]
    [InlineData("/api/auth/me")]
    public async Task EndpointsWithoutCredentialsAre401ProblemDetails(string path)
    {
        await AssertProblemAsync(await api.Client().GetAsync(path), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SubmittingWithoutCredentialsIs401AndStoresNothing()
    {
        var before = await api.CountRunsAsync();
        var response = await api.Client().SubmitAsync(new { env = "catch/8x8", rule = "ppo", steps = 10 });
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(before, await api.CountRunsAsync());
    }

    [Fact]
    public async Task WrongBearerKeyIs401()
    {
        var response = await api.Client("dp_not-a-real-key").GetAsync("/api/runs");
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task XApiKeyHeaderWorksAndAWrongOneIs401()
    {
        var client = api.Client();
        client.DefaultRequestHeaders.Add("X-Api-Key", api.TeamA.ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/runs")).StatusCode);

        var wrong = api.Client();
        wrong.DefaultRequestHeaders.Add("X-Api-Key", api.TeamA.ApiKey + "x");
        await AssertProblemAsync(await wrong.GetAsync("/api/runs"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task BootstrapAdminKeyFromConfigurationWorks()
    {
        var me = await ReadJsonAsync(await api.Client(ApiFixture.AdminKey).GetAsync("/api/auth/me"));
        Assert.Equal(ApiFixture.AdminEmail, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("isAdmin").GetBoolean());
    }

    [Fact]
    public async Task CreatedKeyWorksUntilRevoked()
    {
        var admin = api.Client(api.TeamA.ApiKey);
        var created = await ReadJsonAsync(await admin.PostAsJsonAsync("/api/auth/keys", new { name = "script" }), HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await api.Client(key).GetAsync("/api/runs")).StatusCode);

        var list = await ReadJsonAsync(await admin.GetAsync("/api/auth/keys"));
        Assert.DoesNotContain(key, list.ToString()); // only prefixes are ever listed

        var revoke = await admin.DeleteAsync($"/api/auth/keys/{created.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        await AssertProblemAsync(await api.Client(key).GetAsync("/api/runs"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task CookieLoginFlow()
    {
        var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = api.BaseAddress };

        await AssertProblemAsync(await browser.GetAsync("/api/runs"), HttpStatusCode.Unauthorized);

        var login = await browser.PostAsJsonAsync("/api/auth/login", new { email = api.TeamB.Email.ToUpperInvariant(), password = api.TeamB.Password });
        var me = await ReadJsonAsync(login);
        Assert.Equal(api.TeamB.UserId, me.GetProperty("id").GetGuid());
        var cookie = Assert.Single(handler.CookieContainer.GetCookies(api.BaseAddress), c => c.Name == "platform.auth");
        Assert.True(cookie.HttpOnly);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/runs")).StatusCode);
        // A write on the session cookie needs the antiforgery token: without it, 400 naming the header and nothing stored.
        var runs = await api.CountRunsAsync();
        var run = new { env = "catch/5x5", rule = "actor-critic", steps = 100 };
        await AssertFieldProblemAsync(await browser.SubmitAsync(run), HttpStatusCode.BadRequest, "X-XSRF-TOKEN");
        Assert.Equal(runs, await api.CountRunsAsync());
        var antiforgery = await ReadJsonAsync(await browser.GetAsync("/api/auth/antiforgery"));
        Assert.Equal("X-XSRF-TOKEN", antiforgery.GetProperty("headerName").GetString());
        browser.DefaultRequestHeaders.Add("X-XSRF-TOKEN", "forged" + antiforgery.GetProperty("token").GetString());
        await AssertFieldProblemAsync(await browser.SubmitAsync(run), HttpStatusCode.BadRequest, "X-XSRF-TOKEN");
        browser.DefaultRequestHeaders.Remove("X-XSRF-TOKEN");
        browser.DefaultRequestHeaders.Add("X-XSRF-TOKEN", antiforgery.GetProperty("token").GetString());
        var submitted = await browser.SubmitAsync(run);
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/auth/logout", null)).StatusCode);
        await AssertProblemAsync(await browser.GetAsync("/api/runs"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task WrongPasswordIs401AndSetsNoCookie()
    {
        var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = api.BaseAddress };
        var login = await browser.PostAsJsonAsync("/api/auth/login", new { email = api.TeamB.Email, password = "wrong" });
        await AssertProblemAsync(login, HttpStatusCode.Unauthorized);
        Assert.Empty(handler.CookieContainer.GetCookies(api.BaseAddress));
    }

    [Fact]
    public async Task LoginWithoutPasswordNamesTheField()
    {
        var login = await api.Client().PostAsync("/api/auth/login", Json("""{"email":"a@b.c"}"""));
        await AssertFieldProblemAsync(login, HttpStatusCode.BadRequest, "password");
    }

    [Fact]
    public async Task OpenApiDocumentAndReferencePageAreServed()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client().GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Client().GetAsync("/docs")).StatusCode);
        var client = api.Client(api.TeamA.ApiKey);
        var doc = await ReadJsonAsync(await client.GetAsync("/openapi/v1.json"));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/runs", out _));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/checkpoints", out var checkpoints) && checkpoints.TryGetProperty("post", out _));
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("scheme").GetString());
        var page = await client.GetAsync("/docs/");   // /docs redirects here; HttpClient drops the key on redirects
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("scalar", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EveryResponseCarriesTheSecurityHeaders()
    {
        using var anonymous = api.Client();
        foreach (var response in new[] { await anonymous.GetAsync("/health"), await anonymous.GetAsync("/api/runs") })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        }
    }
}
