using System.Reflection;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Platform.Web.dll of the same build, for tests that check the web app's own copies of the API's names and limits (it
/// has no reference to the API). Loaded by path, not referenced: both apps are ASP.NET hosts with their own
/// appsettings.json, which a project reference would copy over each other in this project's output.
/// </summary>
public static class WebAssemblyOfThisBuild
{
    private static readonly Lazy<Assembly> Loaded = new(() =>
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Assembly.LoadFrom(Path.Combine(WebFixture.RepoRoot(), "Platform.Web", "bin", testBin.Parent!.Name, testBin.Name, "Platform.Web.dll"));
    });

    public static Type Type(string fullName) => Loaded.Value.GetType(fullName, throwOnError: true)!;
}
