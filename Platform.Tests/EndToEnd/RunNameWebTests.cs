using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Run names in the browser (issue #19): the runs table and a run's page call runs by their names (the short id stays
/// beside it, the full id on hover), and a run is renamed from its page, where a name another run has is refused with
/// the API's reason. The runs are queued on the gpu queue, which has no worker in these tests.
/// </summary>
public class RunNameWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task RunsAreCalledByTheirNamesAndRenamedFromTheirPage()
    {
        var user = await fx.CreateUserAsync("team-names", "names@first.hour", "a names team password");
        using var client = fx.Client(user.ApiKey);
        var first = await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "ppo", steps = 1000, seed = 3, queue = "gpu" });
        var second = await WorkerFixture.SubmitAsync(client, new { env = "catch/5x5", rule = "ppo", steps = 1000, seed = 3, queue = "gpu" });

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"a[href='/runs/{first}']")).ToHaveTextAsync("catch/5x5 ppo s3");
        await Assertions.Expect(page.Locator($"a[href='/runs/{second}']")).ToHaveTextAsync("catch/5x5 ppo s3 #2");

        await page.GotoAsync($"/runs/{second}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=run-name]")).ToHaveTextAsync("catch/5x5 ppo s3 #2");
        await Assertions.Expect(page).ToHaveTitleAsync("catch/5x5 ppo s3 #2 · Disco Platform");

        // The first run's name is taken: refused with the reason, nothing changes.
        await page.ClickAsync("[data-test=rename-run]");
        await page.FillAsync("#run-name-input", "catch/5x5 ppo s3");
        await page.ClickAsync("[data-test=save-run-name]");
        await Assertions.Expect(page.Locator("text=has this name")).ToBeVisibleAsync();
        Assert.Equal("catch/5x5 ppo s3 #2", (await client.GetFromJsonAsync<JsonElement>($"/api/runs/{second}")).GetProperty("name").GetString());

        // A free name is saved with Enter.
        await page.FillAsync("#run-name-input", "ppo baseline (lr 3e-4)");
        await page.PressAsync("#run-name-input", "Enter");
        await Assertions.Expect(page.Locator("[data-test=run-name]")).ToHaveTextAsync("ppo baseline (lr 3e-4)");
        Assert.Equal("ppo baseline (lr 3e-4)", (await client.GetFromJsonAsync<JsonElement>($"/api/runs/{second}")).GetProperty("name").GetString());
        await WebFixture.ScreenshotAsync(page, "run-renamed");

        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"a[href='/runs/{second}']")).ToHaveTextAsync("ppo baseline (lr 3e-4)");

        foreach (var id in new[] { first, second }) await client.PostAsync($"/api/runs/{id}/cancel", null);
    }
}
