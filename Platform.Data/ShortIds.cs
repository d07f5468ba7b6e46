namespace Platform.Data;

/// <summary>
/// How runs and checkpoints are named in little space (download file names here; the web's pages keep a copy,
/// Platform.Web/Services/ShortIds.cs, which ShortIdsTests holds to this one). Ids are UUIDv7: their leading hex digits are a
/// millisecond timestamp shared by ids made together, so the trailing, random digits are used.
/// </summary>
public static class ShortIds
{
    public const int Length = 8;

    public static string Of(Guid id) => id.ToString("N")[^Length..];
}
