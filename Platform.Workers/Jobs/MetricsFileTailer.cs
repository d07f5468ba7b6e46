using System.Text;
using System.Text.Json;

namespace Platform.Workers.Jobs;

/// <summary>One line of the trainer's metrics.jsonl: every value logged at one environment step.</summary>
public sealed record MetricLine(long Step, DateTimeOffset Time, IReadOnlyList<KeyValuePair<string, double>> Values);

/// <summary>
/// Reads the complete lines appended to metrics.jsonl since the last call. A line without its newline is
/// still being written and is left for the next call; a line that is not valid JSON is skipped (counted).
/// Starting from offset 0 again (after a worker restart) re-reads points already stored, which the
/// database ignores (they collide with the (run, name, step) key).
/// </summary>
public sealed class MetricsFileTailer(string path)
{
    private long _offset;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _partial = new();

    public int MalformedLines { get; private set; }

    public IReadOnlyList<MetricLine> ReadNew()
    {
        var lines = new List<MetricLine>();
        if (!File.Exists(path)) return lines;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _offset) { _offset = 0; _partial.SetLength(0); } // truncated: start again
        stream.Seek(_offset, SeekOrigin.Begin);
        int read;
        while ((read = stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            _offset += read;
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (_buffer[i] != (byte)'\n') continue;
                _partial.Write(_buffer, start, i - start);
                Add(lines, _partial.GetBuffer().AsSpan(0, (int)_partial.Length));
                _partial.SetLength(0);
                start = i + 1;
            }
            _partial.Write(_buffer, start, read - start);
        }
        return lines;
    }

    private void Add(List<MetricLine> lines, ReadOnlySpan<byte> utf8)
    {
        if (utf8.Trim((byte)' ').Trim((byte)'\r').IsEmpty) return;
        if (Parse(utf8) is { } line) lines.Add(line);
        else MalformedLines++;
    }

    public static MetricLine? Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("step", out var stepEl) || !stepEl.TryGetInt64(out var step))
                return null;
            var time = root.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)(t.GetDouble() * 1000))
                : DateTimeOffset.UtcNow;
            var values = new List<KeyValuePair<string, double>>();
            if (root.TryGetProperty("values", out var v) && v.ValueKind == JsonValueKind.Object)
                foreach (var p in v.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var d) && double.IsFinite(d) && p.Name.Length <= 200)
                        values.Add(new(p.Name, d));
            return new MetricLine(step, time, values);
        }
        catch (JsonException) { return null; }
        catch (FormatException) { return null; }
    }

    public static MetricLine? Parse(string line) => Parse(Encoding.UTF8.GetBytes(line));
}
