using Platform.Data.Npz;
using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Workers.Checkpoints;

/// <summary>Conversions between .npy arrays and TorchSharp tensors.</summary>
public static class NpyTensors
{
    /// <summary>A float array becomes float32, an integer array int64, on the given device.</summary>
    public static Tensor ToTensor(NpyArray array, Device? device = null) => array.DType switch
    {
        NpyDType.Int32 or NpyDType.Int64 or NpyDType.UInt8 =>
            tensor(array.ToInt32().Select(v => (long)v).ToArray(), array.Shape, dtype: int64, device: device),
        NpyDType.Bool => tensor(array.ToFloat32(), array.Shape, dtype: float32, device: device),
        _ => tensor(array.ToFloat32(), array.Shape, dtype: float32, device: device),
    };

    /// <summary>A float tensor as a float32 array (C order).</summary>
    public static NpyArray FromTensor(Tensor t)
    {
        using var cpu = t.detach().to(float32).cpu().contiguous();
        return new NpyArray(NpyDType.Float32, cpu.shape, cpu.data<float>().ToArray());
    }
}
