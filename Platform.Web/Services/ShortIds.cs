namespace Platform.Web.Services;

/// <summary>
/// How pages name runs and checkpoints in little space (the API's download names use Platform.Data.ShortIds, the same rule:
/// ShortIdsTests holds them together). Ids are UUIDv7: their leading hex digits are a millisecond
/// timestamp, so ids made together (a sweep's runs, several seeds submitted at once) share them; the trailing digits are
/// random, so those are shown. The full id is in the link and its tooltip.
/// </summary>
public static class ShortIds
{
    public const int Length = 8;

    public static string Of(Guid id) => id.ToString("N")[^Length..];
}
