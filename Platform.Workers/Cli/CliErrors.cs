namespace Platform.Workers.Cli;

/// <summary>Thrown by a verb when its options are invalid; reported as one line, exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

public static class CliErrors
{
    public const int UsageExitCode = 2;

    public static int Usage(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return UsageExitCode;
    }
}
