using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Platform.Api.Progress;
using Platform.Tests.Jobs;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The whole platform for browser tests: the real API in-process on a loopback port (ApiFixture: its own PostgreSQL
/// database, migrations, bootstrap admin), the web app (Platform.Web.dll of the same build) as a child process on a
/// free loopback port, real worker processes on demand (WorkerFixture), and Debian's chromium driven by Playwright.
/// Screenshots go to artifacts/screenshots/ at the repository root.
/// </summary>
public sealed class WebFixture : WorkerFixture, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private Process? _web;
    private readonly StringBuilder _webLog = new();
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;
    public Uri WebAddress { get; private set; } = null!;
    public string WebLog { get { lock (_webLog) return _webLog.ToString(); } }

    public static bool BrowserAvailable => File.Exists(ChromiumPath);

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await App.Services.GetRequiredService<ProgressRelay>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        WebAddress = await StartWebAsync();
        if (!BrowserAvailable) return;
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }
        if (_web is { HasExited: false })
        {
            _web.Kill(entireProcessTree: true);
            await _web.WaitForExitAsync();
        }
        _web?.Dispose();
        await DisposeAsync();
    }

    /// <summary>The web app dll of the same configuration as the tests (the solution build builds both).</summary>
    private static string WebDll()
    {
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = baseDir.Name;
        var configuration = baseDir.Parent!.Name;
        return Path.Combine(RepoRoot(), "Platform.Web", "bin", configuration, tfm, "Platform.Web.dll");
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<Uri> StartWebAsync()
    {
        var dll = WebDll();
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        var address = new Uri($"http://127.0.0.1:{FreePort()}/");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(dll)! };
        psi.ArgumentList.Add(dll);
        psi.Environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["PlatformApi__BaseUrl"] = BaseAddress.ToString();
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        _web = new Process { StartInfo = psi };
        _web.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_webLog) _webLog.AppendLine(e.Data); };
        _web.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_webLog) _webLog.AppendLine(e.Data); };
        _web.Start();
        _web.BeginOutputReadLine();
        _web.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (_web.HasExited) throw new InvalidOperationException("Platform.Web exited at start:\n" + WebLog);
            try
            {
                using var response = await http.GetAsync(new Uri(address, "signin"));
                if (response.StatusCode == HttpStatusCode.OK) return address;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Platform.Web did not answer within 90 s:\n" + WebLog);
            await Task.Delay(300);
        }
    }

    /// <summary>A fresh browser context (own cookies) at 1280×800 with one page.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = WebAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>How many runs the API lists for the client's team (what a form that "submits nothing" must leave unchanged).</summary>
    public static async Task<int> CountTeamRunsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/runs?pageSize=1")).GetProperty("total").GetInt32();

    public async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-test=signin-submit]");
        try { await page.WaitForURLAsync(url => !url.Contains("/signin")); }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Sign-in did not leave /signin ({page.Url}).\n--- page ---\n{await page.InnerTextAsync("body")}\n--- web log ---\n{WebLog}", ex);
        }
        await WaitForCircuitAsync(page);
    }

    /// <summary>Waits until the Blazor circuit is up and the page is interactive (the live badge renders either way).</summary>
    public static async Task WaitForCircuitAsync(IPage page)
    {
        await page.Locator("body[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.WaitForTimeoutAsync(200);
    }

    /// <summary>
    /// Opens a MudSelect (by its data-test), picks the items whose text starts with each of <paramref name="texts"/>, closes it,
    /// and waits until the select shows every choice: the server has taken them before the test goes on (on a loaded
    /// 2-core CI machine a circuit round trip can take seconds).
    /// </summary>
    public static async Task ChooseAsync(IPage page, string testId, params string[] texts)
    {
        var select = page.Locator($"[data-test={testId}]");
        var openItems = page.Locator(".mud-popover-open .mud-list-item");
        await select.ClickAsync();
        foreach (var text in texts)
            await openItems.Filter(new() { HasTextRegex = new Regex("^" + Regex.Escape(text)) }).First.ClickAsync();
        // A multi-select stays open: Escape closes it. Under load the count read just after the last click can miss the
        // popover (it re-renders), and a close can be lost: check again, then close by clicking its overlay (the
        // transparent layer MudBlazor puts under an open popover: the page's top corner is the app bar, which lies above
        // that layer and swallowed the clicks meant to close it), then at the page's bottom corner.
        var overlay = page.Locator(".mud-overlay").Last;
        for (var attempt = 1; ; attempt++)
        {
            if (await openItems.CountAsync() > 0)
            {
                if (attempt == 1) await page.Keyboard.PressAsync("Escape");
                else if (attempt == 2 && await overlay.CountAsync() > 0) await overlay.DispatchEventAsync("click");
                else await page.Mouse.ClickAsync(5, (page.ViewportSize?.Height ?? 720) - 5);
            }
            try
            {
                await Assertions.Expect(openItems).ToHaveCountAsync(0, new() { Timeout = 5_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 3) { }
        }
        // MudSelect renders its combobox as an <input> or a <div> depending on its state: read whichever it is now.
        var wanted = texts.Select(t => t.Split(' ')[0].ToLowerInvariant()).ToArray();
        try
        {
            await page.WaitForFunctionAsync("""
                ([selector, wanted]) => {
                    const e = document.querySelector(selector);
                    const shown = e ? (e.tagName === 'INPUT' ? e.value : e.innerText).toLowerCase() : '';
                    return wanted.every(w => shown.includes(w));
                }
                """, new object[] { $"[data-test={testId}]", wanted });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The select '{testId}' never showed [{string.Join(", ", wanted)}].", ex);
        }
    }

    /// <summary>Clicks the submit form's button and waits for the new run's page; if none opens, fails with the messages the form shows.</summary>
    public static async Task<Guid> SubmitAndOpenRunAsync(IPage page)
    {
        await page.ClickAsync("[data-test=submit-button]");
        try { await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/[0-9a-f-]{36}$"), new() { Timeout = 60_000 }); }
        catch (PlaywrightException ex)
        {
            var messages = await page.Locator("[data-test^=error-], [data-test=submit-error]").AllInnerTextsAsync();
            await ScreenshotAsync(page, "submit-did-not-open-a-run");
            throw new TimeoutException($"Submitting did not open a run page ({page.Url}); the form shows: [{string.Join(" | ", messages)}]", ex);
        }
        return Guid.Parse(page.Url[^36..]);
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(RepoRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, name + ".png"), FullPage = true });
    }
}

/// <summary>A browser test; skipped, and says so, where Debian's chromium is not installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!WebFixture.BrowserAvailable) Skip = $"{WebFixture.ChromiumPath} is not installed (apt-get install chromium).";
    }
}
