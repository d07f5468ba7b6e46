using Microsoft.Playwright;
using Platform.Data.Runs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The submit form is rendered from GET /api/run-options: for each run kind, every option of its table shows its
/// label and the table's help line (what it does, default, range) — the same text the CLI's help shows
/// (Runs/RunOptionTableTests) — and text fields hint the table's default. A form that drifts from the tables fails here.
/// </summary>
public class RunOptionsWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task TheSubmitFormShowsEachRunKindsOptionsAsTheTablesDeclareThem()
    {
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, fx.TeamA.Email, fx.TeamA.Password);
        await page.GotoAsync("/submit");
        await WebFixture.WaitForCircuitAsync(page);

        foreach (var (kind, radio, prefix) in new[] { (RunOptionTables.Train, "Train", "hp-"), (RunOptionTables.MetaTrain, "Meta-train", "mt-"),
                                                      (RunOptionTables.Evaluate, "Evaluate", "") })
        {
            await page.GetByText(radio, new() { Exact = true }).ClickAsync();
            foreach (var option in RunOptionTables.All[kind].Where(o => o.Name != "seed"))
            {
                // Seeds are a list on the form (one run per seed); every other option has its field.
                var help = page.GetByText(option.HelpLine, new() { Exact = true });
                await Assertions.Expect(help.First).ToBeVisibleAsync(new() { Timeout = 10_000 });
                if (option.Field is null && option.Type != RunOptionType.Choice)
                    await Assertions.Expect(page.Locator($"#{prefix}{option.Name}")).ToHaveAttributeAsync("placeholder", option.DefaultDescription);
            }
            await WebFixture.ScreenshotAsync(page, $"submit-options-{kind}");
        }
    }
}
