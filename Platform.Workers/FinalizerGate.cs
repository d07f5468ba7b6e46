using System.Runtime.CompilerServices;

namespace Platform.Workers;

/// <summary>
/// TorchSharp 0.107 frees a native Scalar in the Scalar's finalizer. The implicit Scalars of ordinary tensor code
/// (<c>a + b</c> passes alpha = 1, <c>x * 0.5</c> passes 0.5) become unreachable as soon as their handle is read, so
/// a garbage collection during the native call can queue them and the finalizer thread frees them while libtorch is
/// still reading them: the process aborts ("Expected false to be true ... toFloat"). Fixing every call site is not
/// practical; instead the learner loops park the finalizer thread while torch code runs and let finalizers run only
/// at <see cref="Flush"/>, a point where the loop's thread is between native calls. A parked finalizer thread is
/// released after <see cref="MaxHold"/> at the latest, so nothing that waits for finalizers can hang for good.
/// </summary>
public static class FinalizerGate
{
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(60);
    private static readonly Lock Sync = new();
    private static ManualResetEventSlim? _open;

    /// <summary>True while the finalizer thread is parked.</summary>
    public static bool IsClosed { get { lock (Sync) return _open is not null; } }

    private sealed class Parker(ManualResetEventSlim open, ManualResetEventSlim parked)
    {
        ~Parker()
        {
            parked.Set();
            open.Wait(MaxHold);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DropParker(ManualResetEventSlim open, ManualResetEventSlim parked) => _ = new Parker(open, parked);

    /// <summary>Parks the finalizer thread: returns once every finalizer queued before has run and the thread waits.</summary>
    public static void Close()
    {
        lock (Sync)
        {
            if (_open is not null) return;
            var open = new ManualResetEventSlim(false);
            var parked = new ManualResetEventSlim(false);
            DropParker(open, parked);
            while (!parked.Wait(TimeSpan.FromMilliseconds(20))) GC.Collect(0);
            _open = open;
        }
    }

    /// <summary>Releases the finalizer thread.</summary>
    public static void Open()
    {
        lock (Sync)
        {
            _open?.Set();
            _open = null;
        }
    }

    /// <summary>Lets the finalizers queued so far run (call it between torch calls), then parks the thread again.</summary>
    public static void Flush()
    {
        if (!IsClosed) return;
        Open();
        Close();
    }
}
