using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;
using Platform.Data.Entities;
using Platform.Data.MetaNetworks;
using Platform.Data.Runs;
using Platform.Data.Storage;
using Platform.Tests.Checkpoints;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Issue #19, items 11 and 12, on the Checkpoints page: the released Disco103 is listed for a new team without an upload, as
/// read-only and without a step; downloads through the web app keep the API's file names (the stored file and an agent's
/// policy only); uploading a file the team already has says which checkpoint it is and shows it. Each test uses a team of its own.
/// </summary>
public class CheckpointWebTests(WebFixture fx) : IClassFixture<WebFixture>
{
    private static ILocator Row(IPage page, string name) =>
        page.Locator("tr", new() { Has = page.Locator("[data-test=checkpoint-name]", new() { HasTextString = name }) });

    /// <summary>The file name the API gives a download (its Content-Disposition).</summary>
    private static async Task<string?> ApiFileNameAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"');
    }

    /// <summary>A finished train run of the team with an agent checkpoint whose zip holds agent parameters (any bytes) beside its run.json.</summary>
    private async Task<Guid> AgentCheckpointAsync(Guid teamId)
    {
        var run = new Run
        {
            Id = Guid.CreateVersion7(), TeamId = teamId, Kind = RunKind.Train, Status = RunStatus.Succeeded, Queue = RunQueue.Cpu,
            Spec = "{}", EnvironmentId = "catch/5x5", Rule = RuleCatalog.Disco103, Seed = 1, TotalSteps = 12_000, CurrentStep = 12_000,
            CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow,
        };
        var store = new ArtifactStore(fx.StorageRoot);
        var folder = Directory.CreateDirectory(store.RunFolder(run.Id)).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, RunFolderLayout.RunFile), """{"config": {}}""");
        var zip = Path.Combine(folder, RunFolderLayout.AgentZipName(RunFolderLayout.AgentCheckpointName(12_000)));
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            await using var entry = archive.CreateEntry(RunFolderLayout.AgentParametersFile).Open();
            entry.Write([1, 2, 3, 4]);
        }
        var checkpoint = new Checkpoint
        {
            Id = Guid.CreateVersion7(), Kind = CheckpointKind.Agent, RunId = run.Id, TeamId = teamId, Name = "catch agent", Step = 12_000,
            SizeBytes = new FileInfo(zip).Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(zip))),
            StorageUri = store.LocationOf(zip), CreatedAt = DateTimeOffset.UtcNow,
        };
        await using var db = fx.Db();
        db.AddRange(run, checkpoint);
        await db.SaveChangesAsync();
        return checkpoint.Id;
    }

    [BrowserFact]
    public async Task Disco103IsListedForANewTeamAndDownloadsKeepTheApisNames()
    {
        var user = await fx.CreateUserAsync("team-checkpoints", "checkpoints@first.hour", "a checkpoints team password");
        using var client = fx.Client(user.ApiKey);
        var agent = await AgentCheckpointAsync(user.TeamId);
        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/checkpoints");
        await WebFixture.WaitForCircuitAsync(page);

        // Nobody uploaded it: it is there, built in, read-only, with no step.
        var disco = Row(page, ReleasedMetaNetworks.Disco103Name);
        await Assertions.Expect(disco).ToHaveCountAsync(1);
        await Assertions.Expect(disco.Locator("[data-test=checkpoint-built-in]")).ToBeVisibleAsync();
        await Assertions.Expect(disco.Locator("[data-test=checkpoint-step-unknown]")).ToHaveTextAsync("—");
        await WebFixture.ScreenshotAsync(page, "checkpoints-disco103");

        var download = await page.RunAndWaitForDownloadAsync(() => disco.Locator("[data-test=download-checkpoint]").ClickAsync());
        var expected = await ApiFileNameAsync(client, $"/api/checkpoints/{ReleasedMetaNetworks.Disco103Id}/download");
        Assert.StartsWith("meta-network_disco103", expected);
        Assert.Equal(expected, download.SuggestedFilename);
        Assert.Equal(await File.ReadAllBytesAsync(CheckpointTestFiles.WeightsPath()), await File.ReadAllBytesAsync(await download.PathAsync()));

        // An agent: the stored zip and its policy only, each under the API's name.
        await page.Locator(".mud-chip", new() { HasTextString = "Agents" }).ClickAsync();
        var row = Row(page, "catch agent");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        download = await page.RunAndWaitForDownloadAsync(() => row.Locator("[data-test=download-checkpoint]").ClickAsync());
        Assert.Equal(await ApiFileNameAsync(client, $"/api/checkpoints/{agent}/download"), download.SuggestedFilename);
        Assert.StartsWith("agent_catch-5x5_disco103_run-", download.SuggestedFilename);
        download = await page.RunAndWaitForDownloadAsync(() => row.Locator("[data-test=download-policy]").ClickAsync());
        Assert.Equal(await ApiFileNameAsync(client, $"/api/checkpoints/{agent}/download?contents=policy"), download.SuggestedFilename);
        Assert.StartsWith("policy_catch-5x5_disco103_run-", download.SuggestedFilename);
        using var policy = ZipFile.OpenRead(await download.PathAsync());
        Assert.Contains(policy.Entries, e => e.FullName.EndsWith("/" + RunFolderLayout.AgentParametersFile, StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task UploadingAFileTheTeamHasSaysWhichCheckpointItIsAndShowsIt()
    {
        var user = await fx.CreateUserAsync("team-duplicate", "duplicate@first.hour", "a duplicate team password");
        using var client = fx.Client(user.ApiKey);
        async Task<int> CountAsync() => (await client.GetFromJsonAsync<JsonElement>("/api/checkpoints")).GetArrayLength();
        var before = await CountAsync();

        var page = await fx.NewPageAsync();
        await fx.SignInAsync(page, user.Email, user.Password);
        await page.GotoAsync("/checkpoints");
        await WebFixture.WaitForCircuitAsync(page);
        await page.FillAsync("#upload-name", "my disco");
        await page.SetInputFilesAsync("input[type=file]", CheckpointTestFiles.WeightsPath());
        await page.ClickAsync("[data-test=upload-submit]");

        var error = page.Locator("[data-test=upload-error]");
        await Assertions.Expect(error).ToContainTextAsync("disco_103.npz was not uploaded.");
        await Assertions.Expect(error).ToContainTextAsync($"\"{ReleasedMetaNetworks.Disco103Name}\"");
        var link = page.Locator("[data-test=upload-existing]");
        await Assertions.Expect(link).ToHaveAttributeAsync("href", $"#checkpoint-{ReleasedMetaNetworks.Disco103Id}");
        await Assertions.Expect(page.Locator($"[id='checkpoint-{ReleasedMetaNetworks.Disco103Id}']")).ToHaveTextAsync(ReleasedMetaNetworks.Disco103Name);
        await Assertions.Expect(Row(page, "my disco")).ToHaveCountAsync(0);
        await WebFixture.ScreenshotAsync(page, "checkpoint-upload-duplicate");
        Assert.Equal(before, await CountAsync());
    }
}
