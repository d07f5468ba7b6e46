namespace Platform.Data.Npz;

/// <summary>
/// A .npy or .npz input is malformed, hostile, unsupported or beyond the configured limits.
/// Every such problem found while reading is reported as this exception; the message names the entry.
/// </summary>
public class NpyFormatException : Exception
{
    public NpyFormatException() : base("malformed .npy/.npz data") { }

    public NpyFormatException(string message) : base(message) { }

    public NpyFormatException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Builds the message as "&lt;entry&gt;: &lt;problem&gt;" when an entry name is known.</summary>
    public NpyFormatException(string? entryName, string problem, Exception? innerException = null)
        : base(entryName is null ? problem : $"'{entryName}': {problem}", innerException)
    {
        EntryName = entryName;
    }

    /// <summary>The .npz entry (or caller-supplied .npy name) the problem was found in, when known.</summary>
    public string? EntryName { get; }
}
