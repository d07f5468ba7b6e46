namespace Platform.Web.Services;

/// <summary>Where Platform.Api lives (config section PlatformApi, e.g. PlatformApi__BaseUrl=http://localhost:5049).</summary>
public sealed class PlatformApiOptions
{
    public const string Section = "PlatformApi";
    public string BaseUrl { get; set; } = "http://localhost:5049";
}
