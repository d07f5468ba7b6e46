using System.Reflection;
using Platform.Api.Auth;
using Platform.Data;
using Platform.Tests.EndToEnd;

namespace Platform.Tests.Security;

/// <summary>The web app's choices for a new key (it has no reference to the API) are the API's scope names and within its lifetime limit.</summary>
public class ApiKeyChoicesTests
{
    [Fact]
    public void TheSettingsPageOffersTheApisScopesAndLifetimesItAccepts()
    {
        // Platform.Web.dll of the same build, read by reflection: only its ApiKeyChoices class is touched.
        var choices = WebAssemblyOfThisBuild.Type("Platform.Web.Services.ApiKeyChoices");
        T Read<T>(string name) => (T)(choices.GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"ApiKeyChoices.{name} is missing"));

        Assert.Equal(WireNames.All<ApiKeyScope>(), Read<IReadOnlyList<string>>("Scopes"));
        Assert.Equal(WireNames.ToWire(Platform.Api.Endpoints.AuthEndpoints.DefaultScope), Read<string>("DefaultScope"));
        var limits = new ApiKeyOptions();
        Assert.All(Read<IReadOnlyList<int>>("LifetimeDays"), days => Assert.InRange(days * 24, 1, limits.MaxLifetimeHours));
        Assert.Equal(limits.DefaultLifetimeHours, Read<int>("DefaultLifetimeDays") * 24);
        // The key the Settings page warns about before revoking it: the one the API makes on its first start.
        Assert.Equal(Platform.Api.Bootstrapper.BootstrapKeyName, Read<string>("BootstrapKeyName"));
    }
}
