using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers;

/// <summary>
/// The torch device a run names (its --device option / config's Device). "cuda" needs a libtorch CUDA build: set DISCO_LIBTORCH_CUDA to the folder holding
/// libtorch (e.g. a PyTorch install's torch/lib, on LD_LIBRARY_PATH) and libLibTorchSharp.so is
/// loaded from the app folder before TorchSharp initialises CUDA (see ../shared/docs/gpu.md).
/// </summary>
public static class TorchDevices
{
    public static Device Parse(string value)
    {
        switch (value)
        {
            case "cpu":
                return CPU;
            case "cuda":
                if (Environment.GetEnvironmentVariable("DISCO_LIBTORCH_CUDA") is { Length: > 0 })
                {
                    var native = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
                    if (native.Length > 0) NativeLibrary.Load(native[0]);
                    InitializeDeviceType(DeviceType.CUDA);
                }
                if (!cuda.is_available())
                    throw new ArgumentException("--device cuda: no CUDA device is available (set DISCO_LIBTORCH_CUDA to a libtorch CUDA lib folder)");
                return CUDA;
            default:
                throw new ArgumentException($"--device must be cpu or cuda, not '{value}'");
        }
    }
}
