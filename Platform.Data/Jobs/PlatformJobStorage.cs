using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Platform.Data.Jobs;

/// <summary>Hangfire's PostgreSQL storage, configured the same way for the API (client) and the workers (server).</summary>
public static class PlatformJobStorage
{
    public const string Schema = "hangfire";

    /// <summary>Queue names as Hangfire sees them (lower-case, matching RunQueue's wire names).</summary>
    public static string QueueName(Entities.RunQueue queue) => WireNames.ToWire(queue);

    public static PostgreSqlStorage Create(string connectionString)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            // Creates or upgrades the hangfire schema on first use; the platform's own tables use EF migrations.
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
