using System.Diagnostics;
using Platform.Workers.Cli;

namespace Platform.Tests.Learning;

/// <summary>Runs the worker CLI (<c>dotnet Platform.Workers.dll ARGS</c>) as a child process and collects its output.</summary>
public static class WorkerCli
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(typeof(TrainCommand).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(120_000), "timed out");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the CLI with <paramref name="args"/> ("X" = a fresh folder) and expects a usage error: exit code 2 and one line "error: …".</summary>
    public static void AssertUsageError(string[] args)
    {
        var (code, _, err) = Run(WithFreshFolders(args));
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("error:", err.Trim());
    }

    /// <summary>Replaces each "X" with a folder name that does not exist.</summary>
    public static string[] WithFreshFolders(string[] args) =>
        args.Select(a => a == "X" ? Path.Combine(Path.GetTempPath(), "never-" + Guid.NewGuid().ToString("N")) : a).ToArray();
}
