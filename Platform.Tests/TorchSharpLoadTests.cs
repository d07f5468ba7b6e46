using static TorchSharp.torch;

namespace Platform.Tests;

/// <summary>Proves the patched libLibTorchSharp.so loads in the test process and autograd works.</summary>
public class TorchSharpLoadTests
{
    [Fact]
    public void TensorOpsWork()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = a.matmul(a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
    }

    [Fact]
    public void FirstAndSecondOrderGradientsWork()
    {
        // f(x) = sum(x^3): df/dx = 3x^2, d/dx sum(df/dx) = 6x.
        using var x = tensor(new double[] { -1.5, 0.5, 2.0 }, requires_grad: true);
        var f = x.pow(3).sum();
        var g = autograd.grad([f], [x], retain_graph: true, create_graph: true)[0];
        Assert.Equal(new[] { 6.75, 0.75, 12.0 }, g.detach().data<double>().ToArray());
        var g2 = autograd.grad([g.sum()], [x])[0];
        Assert.Equal(new[] { -9.0, 3.0, 12.0 }, g2.data<double>().ToArray());
    }
}
