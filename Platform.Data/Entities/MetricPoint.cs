namespace Platform.Data.Entities;

/// <summary>
/// One value of one series. Keyed by (RunId, Name, Step): a series reads as one index range scan and a
/// re-sent point (a resumed run replaying steps) collides with the key and is ignored, never duplicated.
/// </summary>
public class MetricPoint
{
    public Guid RunId { get; set; }
    public required string Name { get; set; }
    public long Step { get; set; }
    public double Value { get; set; }
    public DateTimeOffset WallTime { get; set; }
}
