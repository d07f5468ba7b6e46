using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Api.Endpoints;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Tests.Api;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Issue #19 ("A new user's first hour") in the browser: a key is created with one click and revoked only after a
/// confirmation that names what it breaks; a sweep is cancelled only after one; a run never shows more steps than its
/// budget; the submit form stops at its seed limit and takes a step budget in scientific notation; the app has a favicon.
/// Each test uses a team of its own.
/// </summary>
public class FirstHourWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [Fact]
    public async Task TheWebAppServesAFaviconAndItsPagesLinkIt()
    {
        using var http = new HttpClient { BaseAddress = fx.WebAddress };
        var ico = await http.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        Assert.Equal([0, 0, 1, 0], (await ico.Content.ReadAsByteArrayAsync())[..4]); // an ICO file's header

        // The pages link it, and an SVG icon for the browsers that take one.
        var html = await http.GetStringAsync("/signin");
        Assert.Contains("<link rel=\"icon\" href=\"favicon.ico\"", html);
        // (Razor writes the type's '+' as &#x2B;.)
        var svg = Regex.Match(html, "<link rel=\"icon\" type=\"image/svg(?:\\+|&#x2B;)xml\" href=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(svg);
        var svgResponse = await http.GetAsync(svg);
        Assert.Equal(HttpStatusCode.OK, svgResponse.StatusCode);
        Assert.Equal("image/svg+xml", svgResponse.Content.Headers.ContentType?.MediaType);
    }

    [BrowserFact]
    public async Task AKeyIsCreatedAsItsNameIsTypedAndRevokedOnlyAfterConfirming()
    {
        var user = await fx.CreateUserAsync("team-keys", "keys@first.hour", "a keys team password");
        // A key by the name the API gives its first administrator's key.
        await using (var db = fx.Db())
        {
            db.Add(AuthEndpoints.NewApiKey(user.UserId, Platform.Api.Bootstrapper.BootstrapKeyName, ApiKeyScope.Admin, TimeSpan.FromDays(1)).Entity);
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/settings");
        await WebFixture.WaitForCircuitAsync(page);
        // The team's storage use (GET /api/team/storage): a new team keeps nothing yet.
        await Assertions.Expect(page.Locator("[data-test=storage-total]")).ToContainTextAsync("0 B");
        await Assertions.Expect(page.Locator("[data-test=storage-runs]")).ToContainTextAsync("0 (0 metric points)");

        // Create enables while the name is typed, before the field loses focus: one click creates the key.
        var create = page.Locator("[data-test=create-key]");
        await Assertions.Expect(create).ToBeDisabledAsync();
        await page.Locator("#key-name").PressSequentiallyAsync("ci script");
        await Assertions.Expect(create).ToBeEnabledAsync();
        await Assertions.Expect(page.Locator("#key-name")).ToBeFocusedAsync();
        await create.ClickAsync();
        var key = await page.Locator("[data-test=created-key] .mono").InnerTextAsync();
        using var client = fx.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);

        // Revoking asks first; keeping the key changes nothing.
        var row = page.Locator("[data-test=key-row][data-name='ci script']");
        var dialog = page.Locator(".mud-dialog");
        await Assertions.Expect(row.Locator("[data-test=key-state]")).ToHaveTextAsync("active");
        await row.Locator("[data-test=revoke-key]").ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("Revoke the key 'ci script'?");
        await Assertions.Expect(dialog).ToContainTextAsync("cannot be restored");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(row.Locator("[data-test=key-state]")).ToHaveTextAsync("active");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/auth/me")).StatusCode);

        // The bootstrap key's dialog says which key it is and what stops working.
        var bootstrap = page.Locator($"[data-test=key-row][data-name='{Platform.Api.Bootstrapper.BootstrapKeyName}']");
        await bootstrap.Locator("[data-test=revoke-key]").ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("This is the bootstrap key");
        await Assertions.Expect(dialog).ToContainTextAsync("stop working");
        await WebFixture.ScreenshotAsync(page, "settings-revoke-bootstrap");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(bootstrap.Locator("[data-test=key-state]")).ToHaveTextAsync("active");

        // Confirmed, the key is revoked and the API refuses it (once its short cache has passed).
        await row.Locator("[data-test=revoke-key]").ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();
        await Assertions.Expect(row.Locator("[data-test=key-state]")).ToHaveTextAsync("revoked");
        var deadline = DateTime.UtcNow.AddSeconds(ApiFixture.ApiKeyCacheSeconds + 30);
        while ((await client.GetAsync("/api/auth/me")).StatusCode != HttpStatusCode.Unauthorized)
        {
            Assert.True(DateTime.UtcNow < deadline, "The revoked key still works.");
            await Task.Delay(500);
        }
    }

    [BrowserFact]
    public async Task CancellingASweepAsksFirst()
    {
        var user = await fx.CreateUserAsync("team-sweep-cancel", "sweeps@first.hour", "a sweep team password");
        using var client = fx.Client(user.ApiKey);
        // The gpu queue has no worker in these tests: the sweep's runs stay queued until cancelled.
        var id = (await HttpAssertions.ReadJsonAsync(await client.PostAsJsonAsync("/api/sweeps", new
        {
            name = "to cancel", method = "grid", @base = new { env = "catch/5x5", rule = "ppo", steps = 1000, queue = "gpu" }, seeds = new[] { 1 },
            parameters = new Dictionary<string, object> { ["lr"] = new[] { 1e-3, 2e-3 } },
        }), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync($"/sweeps/{id}");
        await WebFixture.WaitForCircuitAsync(page);

        var dialog = page.Locator(".mud-dialog");
        await page.ClickAsync("[data-test=cancel-sweep]");
        await Assertions.Expect(dialog).ToContainTextAsync("Cancel this sweep?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it running" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-test=sweep-count-queued]")).ToContainTextAsync("2");

        await page.ClickAsync("[data-test=cancel-sweep]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel sweep" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=sweep-count-cancelled]")).ToContainTextAsync("2");
        await Assertions.Expect(page.Locator("[data-test=cancel-sweep]")).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task ARunNeverShowsMoreStepsThanItsBudget()
    {
        // The learner steps its environments in batches, so a run may end a little past its budget.
        var user = await fx.CreateUserAsync("team-steps", "steps@first.hour", "a steps team password");
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = user.TeamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = "catch/5x5", Rule = "ppo", Seed = 1, TotalSteps = 20_000, CurrentStep = 20_510, FinalScore = -0.22,
            CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
        };
        await using (var db = fx.Db())
        {
            db.Runs.Add(run);
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync($"/runs/{run.Id}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=run-steps]")).ToContainTextAsync("20,000 / 20,000");

        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        var row = page.Locator("tr", new() { Has = page.Locator($"a[href='/runs/{run.Id}']") });
        await Assertions.Expect(row).ToContainTextAsync("20k / 20k");
    }

    [BrowserFact]
    public async Task TheSubmitFormStopsAtItsSeedLimitAndTakesAStepBudgetInScientificNotation()
    {
        var user = await fx.CreateUserAsync("team-form", "form@first.hour", "a form team password");
        using var client = fx.Client(user.ApiKey);
        // The form's own limit (Submit.MaxSeeds in Platform.Web.dll of this build).
        var maxSeeds = (int)WebAssemblyOfThisBuild.Type("Platform.Web.Components.Pages.Submit").GetField("MaxSeeds")!.GetValue(null)!;
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/submit?env=catch/5x5");
        await WebFixture.WaitForCircuitAsync(page);
        // The gpu queue has no worker in these tests: the run stays queued.
        await WebFixture.ChooseAsync(page, "queue-select", "gpu");

        // Past the limit the button is disabled and says the limit; at the limit it submits that many runs.
        var button = page.Locator("[data-test=submit-button]");
        var limit = page.Locator("[data-test=submit-limit]");
        await page.FillAsync("#seeds", string.Join(", ", Enumerable.Range(1, maxSeeds + 5)));
        await Assertions.Expect(button).ToBeDisabledAsync();
        await Assertions.Expect(limit).ToContainTextAsync($"At most {maxSeeds} seeds per submission ({maxSeeds + 5} given)");
        await WebFixture.ScreenshotAsync(page, "submit-seed-limit");
        await page.FillAsync("#seeds", string.Join(", ", Enumerable.Range(1, maxSeeds)));
        await Assertions.Expect(button).ToBeEnabledAsync();
        await Assertions.Expect(button).ToContainTextAsync($"Submit {maxSeeds} run(s)");
        await Assertions.Expect(limit).ToHaveCountAsync(0);

        // A fraction is no step budget; a whole number in scientific notation is.
        await page.FillAsync("#seeds", "3");
        await page.FillAsync("#steps", "1.5");
        await button.ClickAsync();
        await Assertions.Expect(page.Locator("[data-test=error-steps]")).ToContainTextAsync("Must be a whole number");
        await page.FillAsync("#steps", "1e4");
        var runId = await WebFixture.SubmitAndOpenRunAsync(page);
        var run = await client.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.Equal(10_000, run.GetProperty("totalSteps").GetInt64());
        Assert.Equal(3, run.GetProperty("seed").GetInt64());
    }
}
