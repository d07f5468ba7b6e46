namespace Platform.Data;

/// <summary>
/// The project's shared material (shared/ beside the repository: the released weights, golden files), found the same way
/// by the API (which lists the released Disco103 for every team) and the workers (which train with it).
/// DISCO_SHARED_DIR overrides the search.
/// </summary>
public static class SharedFolder
{
    public const string Variable = "DISCO_SHARED_DIR";
    /// <summary>The released Disco103 meta-network, relative to the shared folder.</summary>
    public const string Disco103WeightsFile = "weights/disco_103.npz";

    /// <summary>$DISCO_SHARED_DIR when set (null if it does not exist), else the first shared/ holding the weights on the way up
    /// from the working directory or the binaries.</summary>
    public static string? Directory
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrEmpty(fromEnv)) return System.IO.Directory.Exists(fromEnv) ? fromEnv : null;
            foreach (var start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "shared");
                    if (File.Exists(Path.Combine(candidate, Disco103WeightsFile))) return candidate;
                }
            return null;
        }
    }

    public static string? Disco103Weights => Directory is { } d ? Path.Combine(d, Disco103WeightsFile) : null;
}
