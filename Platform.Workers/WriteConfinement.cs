using System.Runtime.InteropServices;

namespace Platform.Workers;

/// <summary>
/// Confines a trainer child's writes to its run folder with Linux Landlock. The worker names the folder in
/// <see cref="EnvironmentVariable"/>; the child's first act (Program.cs) is <see cref="ApplyRequested"/>, after which
/// creating, writing, truncating, renaming or removing anything outside that folder (and <c>/dev/null</c>) fails with
/// EACCES, whatever path a bug or a hostile input might lead the trainer to. Reading is not restricted (the trainer
/// reads the shared weights and, for evaluation, checkpoints). Landlock confines the calling thread and the threads it
/// starts, so everything the trainer's code runs is confined; threads the .NET runtime started before Main (finalizer,
/// GC, diagnostics) are not. Where Landlock is missing (not Linux, a kernel before 5.13 or without it enabled) the
/// child runs unconfined and says so on stderr.
/// </summary>
public static partial class WriteConfinement
{
    /// <summary>Set by the worker for its children: the folder the child may write beneath.</summary>
    public const string EnvironmentVariable = "DISCO_CONFINE_WRITES";

    /// <summary>The child's environment entry that asks for confinement to <paramref name="folder"/>.</summary>
    public static Dictionary<string, string> For(string folder) => new() { [EnvironmentVariable] = Path.GetFullPath(folder) };

    /// <summary>Whether this kernel offers Landlock (its ABI version is at least 1).</summary>
    public static bool Available => OperatingSystem.IsLinux() && Syscall(LandlockCreateRuleset, IntPtr.Zero, 0, CreateRulesetVersion) >= 1;

    /// <summary>Applies the confinement the environment asks for, if any; null when none was asked or it holds, else why not.</summary>
    public static string? ApplyRequested()
    {
        var folder = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(folder)) return null;
        return Apply(folder);
    }

    /// <summary>Confines this thread and the threads it starts; null when it holds, else why it could not.</summary>
    public static string? Apply(string folder)
    {
        if (!OperatingSystem.IsLinux()) return "writes are not confined: Landlock is Linux-only";
        Directory.CreateDirectory(folder);
        long abi = Syscall(LandlockCreateRuleset, IntPtr.Zero, 0, CreateRulesetVersion);
        if (abi < 1) return $"writes are not confined: Landlock is unavailable here (errno {Marshal.GetLastPInvokeError()})";

        ulong handled = WriteFile | RemoveDir | RemoveFile | MakeChar | MakeDir | MakeReg | MakeSock | MakeFifo | MakeBlock | MakeSym
                        | (abi >= 2 ? Refer : 0) | (abi >= 3 ? Truncate : 0);
        var attr = new RulesetAttr { HandledAccessFs = handled };
        int ruleset = (int)Syscall(LandlockCreateRuleset, ref attr, (nuint)Marshal.SizeOf<RulesetAttr>(), 0);
        if (ruleset < 0) return $"writes are not confined: landlock_create_ruleset failed (errno {Marshal.GetLastPInvokeError()})";
        try
        {
            if (AllowBeneath(ruleset, folder, handled) is { } folderError) return folderError;
            if (AllowBeneath(ruleset, "/dev/null", WriteFile | (abi >= 3 ? Truncate : 0)) is { } nullError) return nullError;
            if (Prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0) return $"writes are not confined: PR_SET_NO_NEW_PRIVS failed (errno {Marshal.GetLastPInvokeError()})";
            if (Syscall(LandlockRestrictSelf, ruleset, 0) != 0) return $"writes are not confined: landlock_restrict_self failed (errno {Marshal.GetLastPInvokeError()})";
            return null;
        }
        finally
        {
            Close(ruleset);
        }
    }

    private static string? AllowBeneath(int ruleset, string path, ulong access)
    {
        int fd = Open(path, OPath | OCloexec);
        if (fd < 0) return $"writes are not confined: cannot open {path} (errno {Marshal.GetLastPInvokeError()})";
        try
        {
            var beneath = new PathBeneathAttr { AllowedAccess = access, ParentFd = fd };
            return Syscall(LandlockAddRule, ruleset, RulePathBeneath, ref beneath, 0) == 0
                ? null
                : $"writes are not confined: landlock_add_rule on {path} failed (errno {Marshal.GetLastPInvokeError()})";
        }
        finally
        {
            Close(fd);
        }
    }

    // Linux uapi (include/uapi/linux/landlock.h, asm-generic/unistd.h on x86-64 and arm64 alike).
    private const long LandlockCreateRuleset = 444, LandlockAddRule = 445, LandlockRestrictSelf = 446;
    private const uint CreateRulesetVersion = 1;
    private const int RulePathBeneath = 1, PrSetNoNewPrivs = 38, OPath = 0x200000, OCloexec = 0x80000;
    private const ulong WriteFile = 1 << 1, RemoveDir = 1 << 4, RemoveFile = 1 << 5, MakeChar = 1 << 6, MakeDir = 1 << 7, MakeReg = 1 << 8,
        MakeSock = 1 << 9, MakeFifo = 1 << 10, MakeBlock = 1 << 11, MakeSym = 1 << 12, Refer = 1 << 13, Truncate = 1 << 14;

    [StructLayout(LayoutKind.Sequential)]
    private struct RulesetAttr { public ulong HandledAccessFs; }

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct PathBeneathAttr { public ulong AllowedAccess; public int ParentFd; }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, IntPtr attr, nuint size, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, ref RulesetAttr attr, nuint size, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int ruleset, int ruleType, ref PathBeneathAttr attr, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int ruleset, uint flags);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
