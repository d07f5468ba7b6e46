namespace Platform.Api.Infrastructure;

/// <summary>
/// Removing a deleted record's files, after its database change has committed: a file that cannot be removed is logged,
/// not an error (at worst a file without a record, never a record without its file).
/// </summary>
public static class StoredFiles
{
    public static void TryDelete(ILogger logger, string what, Action delete)
    {
        try { delete(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
        {
            logger.LogWarning(ex, "A deleted record's file {File} could not be removed", what);
        }
    }
}
