using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Platform.Data.Jobs;

/// <summary>Hangfire's PostgreSQL storage, configured the same way for the API (client) and the workers (server).</summary>
public static class PlatformJobStorage
{
    public const string Schema = "hangfire";

    /// <summary>Queue names as Hangfire sees them (lower-case, matching RunQueue's wire names).</summary>
    public static string QueueName(Entities.RunQueue queue) => WireNames.ToWire(queue);

    /// <summary>
    /// How long a fetched job may go without its worker's heartbeat before another worker takes it over. The
    /// timeout slides (the server renews it while the job runs), so it bounds recovery after a worker dies
    /// (kill -9, lost machine) without limiting how long a run may take.
    /// </summary>
    public static readonly TimeSpan DefaultInvisibilityTimeout = TimeSpan.FromSeconds(60);

    public static PostgreSqlStorage Create(string connectionString, TimeSpan? invisibilityTimeout = null)
    {
        var options = new PostgreSqlStorageOptions
        {
            InvisibilityTimeout = invisibilityTimeout ?? DefaultInvisibilityTimeout,
            UseSlidingInvisibilityTimeout = true,
            SchemaName = Schema,
            // Creates or upgrades the hangfire schema on first use; the platform's own tables use EF migrations.
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
