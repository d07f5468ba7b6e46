using Platform.Workers;
using Platform.Workers.Cli;
using Platform.Workers.Jobs;

namespace Platform.Tests.Security;

/// <summary>Skipped where the kernel has no Landlock (the trainer then runs unconfined and warns on stderr).</summary>
public sealed class LandlockFactAttribute : FactAttribute
{
    public LandlockFactAttribute()
    {
        if (!WriteConfinement.Available) Skip = "This kernel has no Landlock: trainer writes cannot be confined here.";
    }
}

/// <summary>A trainer child the worker starts can write beneath its run folder and nowhere else.</summary>
public class WriteConfinementTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("confine-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>What the worker does: the trainer as a child, its writes confined to <paramref name="confinedTo"/>.</summary>
    private static async Task<(int Code, string Stderr)> TrainAsync(string outDir, string confinedTo)
    {
        Directory.CreateDirectory(confinedTo); // the worker creates the run folder before starting its child there
        using var child = ChildProcess.Start("dotnet",
            [typeof(TrainCommand).Assembly.Location, "train", "--env", "catch/5x5", "--rule", "actor-critic", "--steps", "300", "--seed", "1", "--out", outDir],
            confinedTo, WriteConfinement.For(confinedTo));
        var code = await child.Exited.WaitAsync(TimeSpan.FromMinutes(2));
        return (code, string.Join('\n', child.StderrTail));
    }

    [LandlockFact]
    public async Task ATrainerConfinedToItsRunFolderTrainsThere()
    {
        var run = Path.Combine(_root, "run");
        var (code, stderr) = await TrainAsync(run, run);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("not confined", stderr);
        Assert.True(File.Exists(Path.Combine(run, "run.json")), "no run.json written");
    }

    [LandlockFact]
    public async Task ATrainerCannotWriteOutsideTheFolderItIsConfinedTo()
    {
        var (allowed, elsewhere) = (Path.Combine(_root, "allowed"), Path.Combine(_root, "elsewhere"));
        Directory.CreateDirectory(elsewhere);
        var (code, stderr) = await TrainAsync(elsewhere, allowed);
        Assert.NotEqual(0, code);
        Assert.Contains("denied", stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }
}
