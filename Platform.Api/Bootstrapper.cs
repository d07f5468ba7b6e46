using System.Security.Cryptography;
using Hangfire;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Endpoints;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api;

/// <summary>Brings the database up to date and, on an empty database, creates the first team, admin and API key.</summary>
public static class Bootstrapper
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Database.MigrateAsync(ct);
    }

    /// <summary>
    /// The environment suites publish their measured normalisation constants (EnvironmentRegistry: random policy,
    /// and for ProcGen the level solver); the table mirrors them. MinAtar's reference is the platform's own PPO at
    /// the same budget, computed by the leaderboard, and Catch's constants are exact, so those stay as they are.
    /// </summary>
    public static async Task SyncNormalisationConstantsAsync(PlatformDbContext db, CancellationToken ct = default)
    {
        static double? Finite(double v) => double.IsFinite(v) ? v : null;
        foreach (var spec in Platform.Workers.Environments.EnvironmentRegistry.All.Where(s => s.Suite is "minatar" or "procgen"))
        {
            var row = await db.Environments.FindAsync([spec.Id], ct);
            if (row is null) continue;
            row.RandomScore = Finite(spec.RandomReturn);
            if (spec.Suite == "procgen") row.ReferenceScore = Finite(spec.ReferenceReturn);
        }
        await db.SaveChangesAsync(ct);
    }

    public static async Task PrepareAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var options = services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        if (options.MigrateOnStartup) await MigrateAsync(services, ct);

        // Resolving the storage creates/upgrades the hangfire schema now rather than on the first submission.
        services.GetRequiredService<JobStorage>();

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await SyncNormalisationConstantsAsync(db, ct);
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
        var (apiKey, key) = AuthEndpoints.NewApiKey(admin.Id, "bootstrap", options.AdminApiKey);
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
              API key:  {(options.AdminApiKey is null ? key : "(from configuration)")}
            """);
    }
}
