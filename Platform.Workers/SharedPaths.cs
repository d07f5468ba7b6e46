using Platform.Data;

namespace Platform.Workers;

/// <summary>
/// Locates the project's shared material (../shared beside the repository: released weights,
/// golden files) as <see cref="SharedFolder"/> does. DISCO_SHARED_DIR overrides the search.
/// </summary>
public static class SharedPaths
{
    public static string? SharedDirectory => SharedFolder.Directory;

    public static string? Disco103Weights => SharedFolder.Disco103Weights;

    public static string? Golden(string name) =>
        SharedDirectory is { } d ? Path.Combine(d, "golden", name) : null;
}
