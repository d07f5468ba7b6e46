using Platform.Data.Runs;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Workers.Learning;

/// <summary>
/// Reads and writes the run-folder contract (<see cref="RunFolderLayout"/>) shared by <c>train</c> and <c>meta-train</c>:
/// run.json ({"config": …}), metrics.jsonl (one {"step", "time", "values"} line per log point, appended and flushed so a
/// worker can tail it), checkpoints/NAME/ written atomically (temporary folder, then rename) with checkpoints/latest
/// naming the newest, summary.json.
/// </summary>
public static class RunFolder
{
    public const string RunFile = RunFolderLayout.RunFile, MetricsFile = RunFolderLayout.MetricsFile, SummaryFile = RunFolderLayout.SummaryFile;
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static T ReadConfig<T>(string outDir)
    {
        var path = Path.Combine(outDir, RunFile);
        if (!File.Exists(path)) throw new ArgumentException($"{outDir}: no {RunFile}");
        var node = JsonNode.Parse(File.ReadAllText(path))!["config"] ?? throw new InvalidDataException($"{path}: no config");
        return node.Deserialize<T>(Json) ?? throw new InvalidDataException($"{path}: bad config");
    }

    /// <summary>The folder checkpoints/latest names, or null when there is none (yet).</summary>
    public static string? LatestCheckpoint(string outDir) =>
        LatestCheckpointName(outDir) is { } name ? Path.Combine(outDir, RunFolderLayout.CheckpointsFolder, name) : null;

    /// <summary>The name checkpoints/latest holds when that folder exists, or null.</summary>
    public static string? LatestCheckpointName(string outDir)
    {
        var latest = Path.Combine(outDir, RunFolderLayout.CheckpointsFolder, RunFolderLayout.LatestFile);
        if (!File.Exists(latest)) return null;
        var name = File.ReadAllText(latest).Trim();
        return name.Length > 0 && Directory.Exists(Path.Combine(outDir, RunFolderLayout.CheckpointsFolder, name)) ? name : null;
    }

    /// <summary>Appends one metrics line; non-finite values are left out (JSON has no NaN).</summary>
    public static void AppendMetrics(string outDir, long step, IEnumerable<KeyValuePair<string, double>> values) =>
        AppendMetrics(outDir, [(step, values)]);

    /// <summary>Appends metrics lines in order with one flush to disk (an evaluation's episodes: up to 100,000 lines).</summary>
    public static void AppendMetrics(string outDir, IEnumerable<(long Step, IEnumerable<KeyValuePair<string, double>> Values)> lines)
    {
        var time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        using var stream = new FileStream(Path.Combine(outDir, MetricsFile), FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream);
        foreach (var (step, values) in lines)
        {
            var v = new JsonObject();
            foreach (var (k, x) in values)
                if (double.IsFinite(x)) v[k] = x;
            writer.WriteLine(new JsonObject { ["step"] = step, ["time"] = time, ["values"] = v }.ToJsonString());
        }
        writer.Flush();
        stream.Flush(true);
    }

    /// <summary>
    /// Writes checkpoints/NAME atomically: <paramref name="write"/> fills a temporary folder, which is then renamed,
    /// and checkpoints/latest is replaced to name it. A crash leaves either the old or the new checkpoint, never half.
    /// </summary>
    public static string WriteCheckpoint(string outDir, string name, Action<string> write)
    {
        var root = Path.Combine(outDir, RunFolderLayout.CheckpointsFolder);
        Directory.CreateDirectory(root);
        var final = Path.Combine(root, name);
        var tmp = Path.Combine(root, $".tmp-{name}-{Environment.ProcessId}");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        write(tmp);
        if (Directory.Exists(final)) Directory.Delete(final, true);
        Directory.Move(tmp, final);
        var latestTmp = Path.Combine(root, $".latest-{Environment.ProcessId}");
        File.WriteAllText(latestTmp, name);
        File.Move(latestTmp, Path.Combine(root, RunFolderLayout.LatestFile), true);
        return final;
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> checkpoints whose names start with <paramref name="prefix"/>.</summary>
    public static void PruneCheckpoints(string outDir, string prefix, int keep)
    {
        var root = Path.Combine(outDir, RunFolderLayout.CheckpointsFolder);
        var names = Directory.GetDirectories(root, prefix + "*").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
        foreach (var n in names.Take(Math.Max(0, names.Count - keep))) Directory.Delete(Path.Combine(root, n!), true);
    }
}
