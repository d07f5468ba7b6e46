using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace Platform.Data.Jobs;

/// <summary>
/// The PostgreSQL NOTIFY channels between workers and the API. A worker writes metric points (or a status
/// change) first and only then notifies, so a listener that queries on notification always finds the data;
/// a listener that misses a notification (reconnecting) loses nothing stored — a late reader gets it from the API.
/// </summary>
public static class ProgressChannels
{
    public const string Metrics = "run_metrics";
    public const string Status = "run_status";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize(ProgressNotice notice) => JsonSerializer.Serialize(notice, Json);

    public static ProgressNotice? Parse(string payload)
    {
        try { return JsonSerializer.Deserialize<ProgressNotice>(payload, Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>pg_notify(channel, payload) on an open connection.</summary>
    public static async Task NotifyAsync(NpgsqlConnection connection, string channel, ProgressNotice notice, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
        cmd.Parameters.AddWithValue("channel", channel);
        cmd.Parameters.AddWithValue("payload", Serialize(notice));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Payload of a notification: which run (and team), and for metrics the step range just written.</summary>
public sealed record ProgressNotice(
    [property: JsonPropertyName("run")] Guid RunId,
    [property: JsonPropertyName("team")] Guid TeamId,
    [property: JsonPropertyName("from")] long? FromStep = null,
    [property: JsonPropertyName("to")] long? ToStep = null);
