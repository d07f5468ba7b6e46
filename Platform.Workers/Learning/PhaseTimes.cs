using System.Diagnostics;

namespace Platform.Workers.Learning;

/// <summary>Wall-clock seconds per named phase of a loop (the actor/rule/backward shares in BENCHMARKS.md).</summary>
public sealed class PhaseTimes(params string[] phases)
{
    public Dictionary<string, double> Seconds { get; } = phases.ToDictionary(p => p, _ => 0.0);

    public void Time(string phase, Action action) => Time(phase, () => { action(); return 0; });

    public T Time<T>(string phase, Func<T> f)
    {
        long start = Stopwatch.GetTimestamp();
        try { return f(); }
        finally { Seconds[phase] = Seconds.GetValueOrDefault(phase) + Stopwatch.GetElapsedTime(start).TotalSeconds; }
    }
}
