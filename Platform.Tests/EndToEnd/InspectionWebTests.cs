using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The rule inspector in the browser (issue #17): from a finished Disco103 run's page, "Inspect rule" starts an inspect run
/// on the real queue and worker, and its page renders π beside π̂, the rule's advantage beside GAE and Q − V, the summary,
/// and the frame under the cursor.
/// </summary>
public class InspectionWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task InspectRuleFromARunPageShowsWhatDisco103AsksOfTheAgent()
    {
        Assert.True(WorkerProcess.TrainerAvailable, "The trainer (Platform.Workers train) is not in this build.");
        var user = await fx.CreateUserAsync("team-inspect-web", "inspect@web.test", "an inspecting team password");
        using var client = fx.Client(user.ApiKey);
        var runId = await WorkerFixture.SubmitAsync(client, new
        {
            env = "catch/5x5", rule = "disco103", steps = 600, seed = 7, hyperparameters = new Dictionary<string, object> { ["net"] = "small" },
        });
        using var worker = fx.StartWorker("w-inspect-web");
        var run = await fx.WaitForRunAsync(runId, r => r.Status is RunStatus.Succeeded or RunStatus.Failed, TimeSpan.FromMinutes(4), worker);
        Assert.True(run.Status == RunStatus.Succeeded, run.Error + "\n" + worker.Log);

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync($"/runs/{runId}");
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=inspect-rule]");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/inspections/[0-9a-f-]{36}$"), new() { Timeout = 30_000 });

        // The page follows the inspect run until its report is in.
        var policy = page.Locator("[data-test=inspection-policy]");
        try { await policy.WaitForAsync(new() { Timeout = 180_000 }); }
        catch (TimeoutException) { Assert.Fail("No inspection rendered; worker log:\n" + worker.Log); }
        await Assertions.Expect(page.Locator("[data-test=inspection-rule]")).ToContainTextAsync("disco103");
        // Three actions: π and π̂ for each; the rule's advantage, GAE and Q − V.
        await Assertions.Expect(policy).ToHaveAttributeAsync("data-series", "6");
        await Assertions.Expect(page.Locator("[data-test=inspection-advantage]")).ToHaveAttributeAsync("data-series", "3");
        await Assertions.Expect(page.Locator("[data-test=inspection-correlation][data-against=gae]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=inspection-correlation][data-against=q_advantage]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=inspection-probes] table")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=inspection-frame]")).ToBeVisibleAsync();

        // The cursor moves through the steps: the frame and the step's numbers follow it.
        var frameBefore = await page.Locator("[data-test=inspection-frame]").InnerHTMLAsync();
        await page.Locator("input[type=range]").FocusAsync();
        for (int i = 0; i < 3; i++) await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(page.GetByText("Frame at step 3")).ToBeVisibleAsync();
        Assert.NotEqual(frameBefore, await page.Locator("[data-test=inspection-frame]").InnerHTMLAsync());
        await WebFixture.ScreenshotAsync(page, "inspection");
    }
}
