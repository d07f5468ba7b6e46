using System.Diagnostics;
using System.Text;

namespace Platform.Tests.Jobs;

/// <summary>
/// A real worker (<c>dotnet Platform.Workers.dll worker</c>) as a separate process, on a test database and the API's
/// storage root. It runs in a working directory of its own, as a worker on another machine or in another container would:
/// every path it and the API share must come from the storage root, not from where each process happens to start.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public string Name { get; }
    /// <summary>A fresh folder, unrelated to the API's content root and to the storage root.</summary>
    public string WorkingDirectory { get; }
    public int Pid => _process.Id;

    public WorkerProcess(string connectionString, string storageRoot, string name, string queues = "cpu", int invisibilitySeconds = 15,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        Name = name;
        WorkingDirectory = Directory.CreateTempSubdirectory("platform-worker-cwd-").FullName;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = WorkingDirectory,
        };
        foreach (var a in new[] { WorkersDll, "worker", "--queues", queues, "--name", name, "--storage-root", storageRoot }) psi.ArgumentList.Add(a);
        psi.Environment["ConnectionStrings__Platform"] = connectionString;
        psi.Environment["Platform__JobInvisibilityTimeoutSeconds"] = invisibilitySeconds.ToString();
        psi.Environment["Platform__StopGraceSeconds"] = "10";
        psi.Environment["Logging__LogLevel__Default"] = "Information";
        psi.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning";
        // A setting with an empty value removes that variable from the worker's environment (e.g. the test script's OMP_NUM_THREADS).
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            if (value.Length == 0) psi.Environment.Remove(key); else psi.Environment[key] = value;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>The worker dll of the same build as the tests.</summary>
    public static string WorkersDll => Path.Combine(AppContext.BaseDirectory, "Platform.Workers.dll");

    /// <summary>kill -9: no shutdown, no cleanup.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); } }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(WorkingDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static readonly Lazy<bool> HasTrainVerb = new(() =>
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(WorkersDll);
        psi.ArgumentList.Add("train");
        psi.ArgumentList.Add("--help");
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        return p.WaitForExit(60_000) && p.ExitCode == 0;
    });

    public static bool TrainerAvailable => HasTrainVerb.Value;
}

/// <summary>A test that needs the real trainer (the worker CLI's `train` verb); skipped, and says so, where it is absent.</summary>
public sealed class TrainerFactAttribute : FactAttribute
{
    public TrainerFactAttribute()
    {
        if (!WorkerProcess.TrainerAvailable) Skip = "The trainer (Platform.Workers `train` verb) is not in this build.";
    }
}
