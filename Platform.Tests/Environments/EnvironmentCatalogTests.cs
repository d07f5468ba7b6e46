using Platform.Data.Environments;
using Platform.Workers.Environments;

namespace Platform.Tests.Environments;

/// <summary>The catalogue (Platform.Data) declares the ids and their metadata; the registry (Platform.Workers) has the games.</summary>
public class EnvironmentCatalogTests
{
    [Fact]
    public void EveryCatalogueIdHasAGameAndEveryGameACatalogueId()
    {
        Assert.Equal(EnvironmentCatalog.Ids.Order(), EnvironmentRegistry.FactoryIds.Order());
        Assert.Equal(EnvironmentCatalog.All, EnvironmentRegistry.All);
    }

    [Theory]
    [MemberData(nameof(EnvironmentCoreTests.AllIds), MemberType = typeof(EnvironmentCoreTests))]
    public void EachGameHasTheCataloguesChannels(string id)
    {
        // A game colours each of its channels, so its colour table shows how many channels it writes.
        var spec = EnvironmentCatalog.Get(id);
        var game = EnvironmentRegistry.CreateGame(id, EnvironmentOptions.Default);
        Assert.Equal(3 * spec.Channels, game.ChannelColors.Length);
    }

    [Fact]
    public void EveryEnvironmentHasADescriptionOfItsOwn()
    {
        // One sentence each, shown with the environment (GET /api/environments): what the game is about (issue #19, item 15).
        Assert.All(EnvironmentCatalog.All, e =>
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Description), $"{e.Id} has no description");
            Assert.EndsWith(".", e.Description);
            Assert.DoesNotContain(". ", e.Description);
        });
        Assert.Equal(EnvironmentCatalog.All.Count, EnvironmentCatalog.All.Select(e => e.Description).Distinct().Count());
    }

    [Fact]
    public void SuitesListTheirEnvironmentsAndAliases()
    {
        Assert.Equal(["minatar", "procgen", "catch"], EnvironmentCatalog.Suites.Select(s => s.Id));
        Assert.Equal(["MinAtar", "ProcGen", "Catch"], EnvironmentCatalog.Suites.Select(s => s.Name));
        foreach (var suite in EnvironmentCatalog.Suites)
            Assert.Equal(EnvironmentCatalog.All.Where(e => e.Suite == suite.Id).Select(e => e.Id), suite.EnvironmentIds);
        Assert.All(EnvironmentCatalog.All, e => Assert.StartsWith(e.Suite + "/", e.Id));
        Assert.Equal("minatar", EnvironmentCatalog.SuiteNames["ATARI"]);
        Assert.Equal("procgen", EnvironmentCatalog.SuiteNames["procgen"]);
        Assert.Equal(["minatar", "atari", "procgen", "catch"], EnvironmentCatalog.SuiteNames.Keys);
    }

    [Fact]
    public void UnknownIdIsTheSameErrorFromTheCatalogue()
    {
        var ex = Assert.Throws<UnknownEnvironmentException>(() => EnvironmentCatalog.Get("minatar/pong"));
        Assert.Contains("minatar/breakout", ex.Message);
        Assert.False(EnvironmentCatalog.Contains("minatar/pong"));
    }
}
