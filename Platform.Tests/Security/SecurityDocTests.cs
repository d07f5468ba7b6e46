using System.Reflection;
using System.Text.RegularExpressions;
using Platform.Tests.EndToEnd;

namespace Platform.Tests.Security;

/// <summary>docs/SECURITY.md names a test for each threat, and the containers run as a user, not root: both checked here.</summary>
public partial class SecurityDocTests
{
    private static string Root => WebFixture.RepoRoot();

    [GeneratedRegex(@"`(?:(?<folder>[A-Z][A-Za-z]+)/)?(?<type>[A-Z][A-Za-z0-9]*Tests)(?:\.(?<method>[A-Za-z0-9_]+))?`")]
    private static partial Regex TestReference();

    [Fact]
    public void EveryTestTheSecurityDocNamesExists()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "SECURITY.md"));
        var types = typeof(SecurityDocTests).Assembly.GetTypes();
        var references = TestReference().Matches(doc);
        Assert.True(references.Count >= 20, $"only {references.Count} test references in docs/SECURITY.md");
        foreach (Match m in references)
        {
            var type = types.SingleOrDefault(t => t.Name == m.Groups["type"].Value
                && (!m.Groups["folder"].Success || t.Namespace == $"Platform.Tests.{m.Groups["folder"].Value}"));
            Assert.True(type is not null, $"docs/SECURITY.md names {m.Value}: no such test class");
            if (m.Groups["method"].Success)
                Assert.True(type.GetMethod(m.Groups["method"].Value, BindingFlags.Public | BindingFlags.Instance) is not null,
                    $"docs/SECURITY.md names {m.Value}: no such test");
        }
    }

    [Theory]
    [InlineData("Dockerfile.api")]
    [InlineData("Dockerfile.web")]
    [InlineData("Dockerfile.worker")]
    [InlineData("Dockerfile.worker-gpu")]
    public void TheImageRunsAsAnUnprivilegedUser(string dockerfile)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "docker", dockerfile)).Select(l => l.Trim()).ToList();
        var finalStage = lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal));
        var entrypoint = lines.FindLastIndex(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
        var user = lines.FindLastIndex(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.True(user > finalStage && user < entrypoint, $"{dockerfile}: no USER between the final FROM and ENTRYPOINT");
        Assert.DoesNotMatch(@"^USER\s+(root|0)(:|$)", lines[user]);
    }
}
