using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Data.Entities;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Deleting a run from its page, and a checkpoint from the checkpoints page (issue #19): the dialog says what goes with it and what cites it (here the Catch
/// leaderboard), keeping it changes nothing, confirming deletes it and returns to the runs table; an active run offers
/// Cancel, not Delete. Archiving, the way to take a run out of view without deleting it, is here too.
/// </summary>
public class RunDeletionWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    [BrowserFact]
    public async Task ARunIsDeletedFromItsPageOnlyAfterADialogThatSaysWhatCitesIt()
    {
        var user = await fx.CreateUserAsync("team-delete-web", "delete@web.test", "a deleting team password");
        Run Seed(RunStatus status, double? finalScore) => new()
        {
            Id = Guid.CreateVersion7(), TeamId = user.TeamId, Kind = RunKind.Train, Status = status, Queue = RunQueue.Cpu, Spec = "{}",
            EnvironmentId = "catch/5x5", Rule = "ppo", Seed = 1, TotalSteps = 1_000, CurrentStep = 1_000, FinalScore = finalScore,
            CreatedAt = DateTimeOffset.UtcNow, Name = $"to delete {status}",
        };
        var finished = Seed(RunStatus.Succeeded, 0.8);
        var running = Seed(RunStatus.Running, null);
        await using (var db = fx.Db())
        {
            db.Runs.AddRange(finished, running);
            await db.SaveChangesAsync();
        }
        using var client = fx.Client(user.ApiKey);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);

        await page.GotoAsync($"/runs/{running.Id}");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-test=cancel-run]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=delete-run]")).ToHaveCountAsync(0);

        await page.GotoAsync($"/runs/{finished.Id}");
        await WebFixture.WaitForCircuitAsync(page);
        var dialog = page.Locator(".mud-dialog");
        await page.ClickAsync("[data-test=delete-run]");
        await Assertions.Expect(dialog).ToContainTextAsync("Delete the run 'to delete Succeeded'?");
        await Assertions.Expect(dialog).ToContainTextAsync("cannot be undone");
        await Assertions.Expect(dialog.Locator("[data-test=delete-citations]")).ToContainTextAsync("catch leaderboard");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep it" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/runs/{finished.Id}")).StatusCode);

        await page.ClickAsync("[data-test=delete-run]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete anyway" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs$"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/runs/{finished.Id}")).StatusCode);
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator($"a[href='/runs/{finished.Id}']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"a[href='/runs/{running.Id}']")).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task AFinishedRunIsArchivedFromItsPageAndTheRunsTableShowsItOnlyUnderItsArchivedFilter()
    {
        var user = await fx.CreateUserAsync("team-archive-web", "archive@web.test", "an archiving team password");
        var finished = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = user.TeamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = "catch/5x5", Rule = "ppo", Seed = 1, TotalSteps = 1_000, CurrentStep = 1_000, FinalScore = 0.8,
            CreatedAt = DateTimeOffset.UtcNow, Name = "to archive",
        };
        await using (var db = fx.Db())
        {
            db.Runs.Add(finished);
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync($"/runs/{finished.Id}");
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=archive-run]");
        await Assertions.Expect(page.Locator("[data-test=archived-chip]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-test=archive-run]")).ToContainTextAsync("Unarchive");

        var link = page.Locator($"a[href='/runs/{finished.Id}']");
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(link).ToHaveCountAsync(0);
        await page.ClickAsync("[data-test=filter-archived] input");
        await Assertions.Expect(link).ToBeVisibleAsync();
        await WebFixture.ScreenshotAsync(page, "runs-archived");

        await link.ClickAsync();
        await WebFixture.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-test=archive-run]");
        await Assertions.Expect(page.Locator("[data-test=archived-chip]")).ToHaveCountAsync(0);
        await page.GotoAsync("/runs");
        await WebFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(link).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task ACheckpointIsArchivedAndBackThenDeletedFromTheCheckpointsPageAfterConfirmingAndABuiltInOneOffersNeither()
    {
        var user = await fx.CreateUserAsync("team-delete-checkpoint", "ckpt@web.test", "a deleting team password");
        var upload = new Checkpoint
        {
            Id = Guid.NewGuid(), Kind = CheckpointKind.MetaNetwork, TeamId = user.TeamId, Name = "rule to delete", SizeBytes = 2_048,
            Sha256 = new string('3', 64), StorageUri = $"meta-networks/{Guid.NewGuid():N}.npz", CreatedAt = DateTimeOffset.UtcNow,
        };
        await using (var db = fx.Db())
        {
            db.Checkpoints.Add(upload);
            await db.SaveChangesAsync();
        }
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/checkpoints");
        await WebFixture.WaitForCircuitAsync(page);
        var row = page.Locator("[data-test=checkpoints-table] tr", new() { Has = page.Locator("[data-test=checkpoint-name]", new() { HasText = "rule to delete" }) });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        var builtIn = page.Locator("[data-test=checkpoints-table] tr", new() { Has = page.Locator("[data-test=checkpoint-built-in]") });
        await Assertions.Expect(builtIn.Locator("[data-test=delete-checkpoint]")).ToHaveCountAsync(0);
        await Assertions.Expect(builtIn.Locator("[data-test=archive-checkpoint]")).ToHaveCountAsync(0);

        // Archiving hides it from the list (and the run form's pickers); the Archived switch shows it, and it comes back.
        await row.Locator("[data-test=archive-checkpoint]").ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await using (var db = fx.Db()) Assert.NotNull(db.Checkpoints.Single(c => c.Id == upload.Id).ArchivedAt);
        await page.ClickAsync("[data-test=filter-archived-checkpoints] input");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(builtIn).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "checkpoints-archived");
        await row.Locator("[data-test=archive-checkpoint]").ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await page.ClickAsync("[data-test=filter-archived-checkpoints] input");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await using (var db = fx.Db()) Assert.Null(db.Checkpoints.Single(c => c.Id == upload.Id).ArchivedAt);

        var dialog = page.Locator(".mud-dialog");
        await row.Locator("[data-test=delete-checkpoint]").ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("Delete the checkpoint 'rule to delete'?");
        await Assertions.Expect(dialog).ToContainTextAsync("Its file (2 KiB)");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete checkpoint" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await using (var db = fx.Db()) Assert.False(db.Checkpoints.Any(c => c.Id == upload.Id));
    }
}
