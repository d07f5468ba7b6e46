using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Platform.Workers.Jobs;

/// <summary>
/// A child process whose stderr tail is kept, that can be asked to stop (SIGTERM) and that dies with its parent.
/// <para>
/// Dying with the parent: on Linux the child is started through <c>setpriv --pdeathsig KILL</c> (util-linux),
/// which sets PR_SET_PDEATHSIG and then execs the real command, so the kernel kills the child when the worker
/// dies, even by kill -9. The kernel's "parent" here is the thread that forked, so the child is forked from a
/// dedicated thread that lives until the child exits (a thread-pool thread could retire and kill the child).
/// Without setpriv (not Linux, or util-linux missing) the child is started directly and would outlive a
/// killed worker; <see cref="DiesWithParent"/> says which.
/// </para>
/// <para>
/// The child gets only the parent's environment variables that <see cref="PassesOn"/> allows (paths, locale, the
/// .NET runtime's and the maths libraries' settings, DISCO_*), plus those the caller names: never the database's
/// connection string, PostgreSQL's variables or the platform's settings. A trainer reads hostile inputs (uploaded
/// meta-networks, user hyperparameters); should one ever subvert it, it holds no credentials to the database.
/// </para>
/// </summary>
public sealed partial class ChildProcess : IDisposable
{
    public const int StderrTailLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _stderrTail = new();
    private readonly Queue<string> _stdoutTail = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _owner;

    public bool DiesWithParent { get; }
    public int Id { get; }

    private ChildProcess(ProcessStartInfo psi, bool diesWithParent)
    {
        DiesWithParent = diesWithParent;
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(e.Data);
                while (_stderrTail.Count > StderrTailLines) _stderrTail.Dequeue();
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stdoutTail)
            {
                _stdoutTail.Enqueue(e.Data);
                while (_stdoutTail.Count > StderrTailLines) _stdoutTail.Dequeue();
            }
        };

        var started = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _owner = new Thread(() =>
        {
            try
            {
                _process.Start();
                _process.BeginErrorReadLine();
                _process.BeginOutputReadLine();
                started.SetResult(null);
            }
            catch (Exception ex) { started.SetResult(ex); return; }
            _process.WaitForExit(); // also drains the redirected streams
            _exited.TrySetResult(_process.ExitCode);
        }) { IsBackground = true, Name = "child-process-owner" };
        _owner.Start();
        if (started.Task.GetAwaiter().GetResult() is { } error) throw error;
        Id = _process.Id;
    }

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string>? environment = null)
    {
        var setpriv = OperatingSystem.IsLinux() ? FindOnPath("setpriv") : null;
        var psi = new ProcessStartInfo(setpriv ?? fileName)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        if (setpriv is not null)
        {
            psi.ArgumentList.Add("--pdeathsig");
            psi.ArgumentList.Add("KILL");
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(fileName);
        }
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        foreach (var name in psi.Environment.Keys.Where(k => !PassesOn(k)).ToList()) psi.Environment.Remove(name);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        return new ChildProcess(psi, setpriv is not null);
    }

    private static readonly string[] PassedOnNames = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "LD_LIBRARY_PATH"];
    private static readonly string[] PassedOnPrefixes = ["LC_", "DOTNET_", "COMPlus_", "OMP_", "MKL_", "KMP_", "OPENBLAS_", "CUDA_", "NVIDIA_", "DISCO_"];

    /// <summary>Whether a variable of the parent's environment reaches the child: an allow-list, so a new secret is kept back by default.</summary>
    public static bool PassesOn(string name) =>
        PassedOnNames.Contains(name, StringComparer.Ordinal) || PassedOnPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>Completes with the exit code (128 + signal for a signal, e.g. 134 for SIGABRT, 137 for SIGKILL).</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    public IReadOnlyList<string> StderrTail
    {
        get { lock (_stderrTail) return [.. _stderrTail]; }
    }

    /// <summary>The last lines the child wrote to stdout (as many as <see cref="StderrTailLines"/>); complete once it has exited.</summary>
    public IReadOnlyList<string> StdoutTail
    {
        get { lock (_stdoutTail) return [.. _stdoutTail]; }
    }

    /// <summary>Asks the child to stop (SIGTERM); the trainer checkpoints and exits with 130.</summary>
    public void Terminate()
    {
        if (HasExited) return;
        if (OperatingSystem.IsWindows()) { Kill(); return; }
        _ = SysKill(Id, 15);
    }

    public void Kill()
    {
        try { if (!HasExited) _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already gone
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        Terminate();
        if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited) Kill();
        return await Exited;
    }

    public void Dispose()
    {
        Kill();
        if (Exited.Wait(TimeSpan.FromSeconds(10))) _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
