namespace Platform.Workers;

/// <summary>
/// Locates the project's shared material (../shared beside the repository: released weights,
/// golden files). DISCO_SHARED_DIR overrides the search.
/// </summary>
public static class SharedPaths
{
    public static string? SharedDirectory
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("DISCO_SHARED_DIR");
            if (!string.IsNullOrEmpty(fromEnv)) return Directory.Exists(fromEnv) ? fromEnv : null;
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "shared");
                    if (File.Exists(Path.Combine(candidate, "weights", "disco_103.npz"))) return candidate;
                }
            }
            return null;
        }
    }

    public static string? Disco103Weights =>
        SharedDirectory is { } d ? Path.Combine(d, "weights", "disco_103.npz") : null;

    public static string? Golden(string name) =>
        SharedDirectory is { } d ? Path.Combine(d, "golden", name) : null;
}
