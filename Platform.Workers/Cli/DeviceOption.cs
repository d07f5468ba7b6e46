using static TorchSharp.torch;

namespace Platform.Workers.Cli;

/// <summary>--device on the command line: <see cref="TorchDevices.Parse"/>, a bad value being a usage error (exit 2).</summary>
public static class DeviceOption
{
    public static Device Parse(string value)
    {
        try { return TorchDevices.Parse(value); }
        catch (ArgumentException ex) { throw new CliUsageException(ex.Message); }
    }
}
