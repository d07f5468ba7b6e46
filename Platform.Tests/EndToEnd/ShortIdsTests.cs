namespace Platform.Tests.EndToEnd;

/// <summary>The web app's short ids (Platform.Web.dll of this build, by reflection): ids made in the same millisecond, which share
/// their leading UUIDv7 digits, are still told apart (issue #19, item 2).</summary>
public class ShortIdsTests
{
    [Fact]
    public void IdsMadeTogetherHaveDistinctShortIds()
    {
        var of = WebAssemblyOfThisBuild.Type("Platform.Web.Services.ShortIds").GetMethod("Of")!;
        var ids = Enumerable.Range(0, 1000).Select(_ => Guid.CreateVersion7()).ToList();
        // Made in a burst: their first 8 hex digits (a millisecond timestamp) collide.
        Assert.True(ids.Select(i => i.ToString()[..8]).Distinct().Count() < ids.Count / 10);
        var shorts = ids.Select(i => (string)of.Invoke(null, [i])!).ToList();
        Assert.Equal(ids.Count, shorts.Distinct().Count());
        Assert.All(shorts.Zip(ids), x => Assert.EndsWith(x.First, x.Second.ToString("N")));
    }

    /// <summary>The API names downloads with Platform.Data's short ids; the pages show the web's copy: they must be the same ids.</summary>
    [Fact]
    public void TheApisShortIdsAreThePagesShortIds()
    {
        var web = WebAssemblyOfThisBuild.Type("Platform.Web.Services.ShortIds");
        Assert.Equal(Platform.Data.ShortIds.Length, (int)web.GetField("Length")!.GetValue(null)!);
        foreach (var id in Enumerable.Range(0, 100).Select(_ => Guid.CreateVersion7()))
            Assert.Equal(Platform.Data.ShortIds.Of(id), (string)web.GetMethod("Of")!.Invoke(null, [id])!);
    }
}
