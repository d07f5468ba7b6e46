using System.Runtime.CompilerServices;
using Platform.Workers;

namespace Platform.Tests.Learning;

/// <summary>While the gate is closed no finalizer runs; Flush lets the queued ones run and closes it again.</summary>
[Collection("Learning")]
public sealed class FinalizerGateTests
{
    private sealed class Flag(ManualResetEventSlim ran)
    {
        ~Flag() => ran.Set();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Drop(ManualResetEventSlim ran) => _ = new Flag(ran);

    [Fact]
    public void Finalizers_run_only_at_Flush_while_the_gate_is_closed()
    {
        FinalizerGate.Close();
        try
        {
            Assert.True(FinalizerGate.IsClosed);
            using var ran = new ManualResetEventSlim(false);
            Drop(ran);
            GC.Collect();
            Assert.False(ran.Wait(TimeSpan.FromMilliseconds(500)), "a finalizer ran while the gate was closed");
            FinalizerGate.Flush();
            Assert.True(ran.IsSet, "Flush returned before the queued finalizer ran");
            Assert.True(FinalizerGate.IsClosed);
        }
        finally { FinalizerGate.Open(); }
        Assert.False(FinalizerGate.IsClosed);
    }
}
