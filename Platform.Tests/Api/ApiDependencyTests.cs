using System.Reflection;

namespace Platform.Tests.Api;

/// <summary>The API ships without the worker: no TorchSharp, no Platform.Workers anywhere in its assembly graph.</summary>
public class ApiDependencyTests
{
    [Fact]
    public void TheApisAssemblyGraphHoldsNeitherTheWorkerNorTorchSharp()
    {
        var seen = new HashSet<string>();
        var pending = new Stack<AssemblyName>([typeof(Platform.Api.PlatformApi).Assembly.GetName()]);
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name.Name!) || !name.Name!.StartsWith("Platform.", StringComparison.Ordinal)) continue;
            foreach (var reference in Assembly.Load(name).GetReferencedAssemblies()) pending.Push(reference);
        }
        Assert.Contains("Platform.Data", seen);
        Assert.DoesNotContain("Platform.Workers", seen);
        Assert.DoesNotContain(seen, n => n.StartsWith("TorchSharp", StringComparison.Ordinal));
    }
}
