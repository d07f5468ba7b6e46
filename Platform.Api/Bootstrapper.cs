using System.Security.Cryptography;
using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Api.Endpoints;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Environments;

namespace Platform.Api;

/// <summary>
/// Brings the database up to date (schema, the suites and environments from the catalogue, the released Disco103 as a
/// built-in checkpoint) and, on an empty database,
/// creates the first team, admin and API key.
/// </summary>
public static class Bootstrapper
{
    /// <summary>The name of the first administrator's API key (the Settings page warns before it is revoked).</summary>
    public const string BootstrapKeyName = "bootstrap";

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Database.MigrateAsync(ct);
    }

    /// <summary>
    /// The suites and environments tables mirror <see cref="EnvironmentCatalog"/>: missing rows are inserted, and names,
    /// descriptions and the measured normalisation constants (the random policy; for ProcGen also the level solver) are
    /// brought up to date. Rows the catalogue no longer lists stay (runs refer to them). MinAtar's reference is the
    /// platform's own PPO at the same budget, computed by the leaderboard, and Catch's constants are exact (the leaderboard
    /// derives them from the board size), so those columns are left as they are (null unless set by hand).
    /// </summary>
    public static async Task SyncCatalogAsync(PlatformDbContext db, CancellationToken ct = default)
    {
        static double? Finite(double v) => double.IsFinite(v) ? v : null;
        foreach (var suite in EnvironmentCatalog.Suites)
        {
            var row = await db.Suites.FindAsync([suite.Id], ct);
            if (row is null) db.Suites.Add(row = new SuiteRecord { Id = suite.Id, Name = suite.Name });
            row.Name = suite.Name;
            row.Description = suite.Description;
        }
        foreach (var spec in EnvironmentCatalog.All)
        {
            var row = await db.Environments.FindAsync([spec.Id], ct);
            if (row is null) db.Environments.Add(row = new EnvironmentRecord { Id = spec.Id, SuiteId = spec.Suite, Name = spec.Name });
            row.Name = spec.Name;
            row.Description = spec.Description;
            if (spec.Suite is "minatar" or "procgen") row.RandomScore = Finite(spec.RandomReturn);
            if (spec.Suite == "procgen") row.ReferenceScore = Finite(spec.ReferenceReturn);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another instance inserted the same new rows at the same moment; its rows carry the same values.
            db.ChangeTracker.Clear();
        }
    }

    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        if (options.MigrateOnStartup) await MigrateAsync(services, ct);

        // Resolving the storage creates/upgrades the hangfire schema now rather than on the first submission.
        services.GetRequiredService<JobStorage>();

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await SyncCatalogAsync(db, ct);
        await Checkpoints.ReleasedMetaNetworkRegistration.SyncAsync(db, services.GetRequiredService<Platform.Data.Storage.ArtifactStore>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Bootstrapper)), ct);
        if (await db.Users.AnyAsync(ct)) return;

        var hasher = scope.ServiceProvider.GetRequiredService<IPasswordHasher<User>>();
        var password = options.AdminPassword ?? RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
        var team = new Team { Id = Guid.CreateVersion7(), Name = "default", CreatedAt = DateTimeOffset.UtcNow };
        var admin = new User
        {
            Id = Guid.CreateVersion7(), TeamId = team.Id, Email = options.AdminEmail.Trim().ToLowerInvariant(),
            PasswordHash = "", IsAdmin = true, DisplayName = "Administrator", CreatedAt = DateTimeOffset.UtcNow,
        };
        admin.PasswordHash = hasher.HashPassword(admin, password);
        var (apiKey, key) = AuthEndpoints.NewApiKey(admin.Id, BootstrapKeyName, ApiKeyScope.Admin,
            TimeSpan.FromHours(options.ApiKeys.DefaultLifetimeHours), options.AdminApiKey);
        db.AddRange(team, admin, apiKey);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return; // another instance bootstrapped at the same moment
        }

        // Printed once, on purpose: this is how the operator learns the first credentials.
        Console.WriteLine($"""
            Platform bootstrap: created team 'default' and administrator {admin.Email}
              password: {(options.AdminPassword is null ? password : "(from configuration)")}
              API key:  {(options.AdminApiKey is null ? key : "(from configuration)")} (scope admin, expires {apiKey.ExpiresAt:yyyy-MM-dd})
            """);
    }
}
