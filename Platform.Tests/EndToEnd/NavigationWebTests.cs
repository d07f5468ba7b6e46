using System.Net;
using Microsoft.Playwright;
using Platform.Data.Entities;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Issue #19 in the browser, the header: at 800 px the pages fold into a menu and Settings and Sign out stay on the bar
/// and work, wide tables scroll inside the page; the API reference opens from the header for a signed-in user (the web
/// app reads the API's description with the user's key server-side) and is refused to anyone else.
/// </summary>
public class NavigationWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    private static async Task AssertOnScreenAsync(IPage page, ILocator element, string what)
    {
        await Assertions.Expect(element).ToBeVisibleAsync();
        var box = await element.BoundingBoxAsync();
        var width = page.ViewportSize!.Width;
        Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= width, $"{what} is off the {width} px window: {box?.X} + {box?.Width}.");
    }

    [BrowserFact]
    public async Task At800PixelsTheHeaderKeepsSettingsAndSignOutAndTablesScrollInsideThePage()
    {
        var user = await fx.CreateUserAsync("team-narrow", "narrow@nav.test", "a narrow team password");
        // A wide runs table: a run with long tags.
        await using (var db = fx.Db())
        {
            db.Runs.Add(new Run
            {
                Id = Guid.CreateVersion7(), TeamId = user.TeamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
                Spec = "{}", EnvironmentId = "minatar/space_invaders", Rule = "actor-critic", Seed = 1, TotalSteps = 1_000_000, CurrentStep = 1_000_000,
                Tags = ["a-rather-long-tag-for-a-narrow-window", "and-another-one-beside-it"], CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var context = await fx.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fx.WebAddress.ToString(), ViewportSize = new ViewportSize { Width = 800, Height = 700 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=sign-out]")).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "header-800");

        await AssertOnScreenAsync(page, page.Locator("[data-test=sign-out]"), "Sign out");
        var settings = page.Locator("[data-test=settings-link]");
        await AssertOnScreenAsync(page, settings, "Settings");
        await Assertions.Expect(settings).ToHaveTextAsync("Settings");
        // White on the indigo bar, not the dimmed grey of an inactive link.
        Assert.Equal("rgb(255, 255, 255)", await settings.EvaluateAsync<string>("e => getComputedStyle(e).color"));

        // The page does not widen past the window; the table scrolls inside it.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "The page is wider than the 800 px window.");
        var container = page.Locator(".mud-table-container").First;
        Assert.Contains(await container.EvaluateAsync<string>("e => getComputedStyle(e).overflowX"), new[] { "auto", "scroll" });

        // The pages are in the menu.
        await Assertions.Expect(page.Locator(".top-links")).ToBeHiddenAsync();
        await page.Locator("[data-test=nav-menu] button").ClickAsync();
        await page.Locator(".mud-popover-open .mud-menu-item", new() { HasText = "Leaderboards" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/leaderboards$"));

        await settings.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/settings$"));
        await WebFixture.WaitForCircuitAsync(page);
        await page.Locator("[data-test=sign-out]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin$"));
        await context.CloseAsync();
    }

    [BrowserFact]
    public async Task AtFullWidthThePagesAreOnTheBarAndNoMenuIsNeeded()
    {
        var user = await fx.CreateUserAsync("team-wide", "wide@nav.test", "a wide team password");
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await Assertions.Expect(page.Locator(".top-links")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=nav-menu]")).ToBeHiddenAsync();
        await AssertOnScreenAsync(page, page.Locator("[data-test=sign-out]"), "Sign out");
        await AssertOnScreenAsync(page, page.Locator(".top-links a[href='/checkpoints']"), "Checkpoints");
    }

    [BrowserFact]
    public async Task TheApiReferenceOpensFromTheHeaderForASignedInUserAndListsTheRunsOperations()
    {
        var user = await fx.CreateUserAsync("team-docs", "docs@nav.test", "a docs team password");
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);

        await page.Locator("[data-test=api-reference-link]").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/api-reference/?$"));
        // Scalar renders the API's description: its sidebar's Runs group lists the runs operations by their summaries.
        var runsGroup = page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Runs", Exact = true });
        await Assertions.Expect(runsGroup).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await runsGroup.ClickAsync();
        var sidebar = page.GetByRole(AriaRole.Complementary);
        foreach (var operation in new[] { "List the team's runs, newest first", "Submit a run", "One run", "Cancel a run" })
            await Assertions.Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = operation })).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "api-reference");
        // Everything came from the web app itself: no request to the API's address, none outside the platform.
        Assert.All(requests, url => Assert.StartsWith(fx.WebAddress.ToString(), url));

        // Not signed in: the page and the document send the browser to sign in and give nothing away.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fx.WebAddress };
        foreach (var path in new[] { "/api-reference", "/api-reference/openapi/v1.json" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/signin", response.Headers.Location?.ToString());
        }
    }
}
