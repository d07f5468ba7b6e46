using System.Diagnostics;
using Npgsql;

namespace Platform.Tests.Api;

/// <summary>
/// A real PostgreSQL for the tests: PLATFORM_TEST_DB when set (CI sets it from scripts/postgres.sh), else the
/// fixture runs scripts/postgres.sh start itself. Each test class gets its own freshly created database.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<string> Server = new(ResolveServer);

    private static string ResolveServer()
    {
        var fromEnv = Environment.GetEnvironmentVariable("PLATFORM_TEST_DB");
        if (!string.IsNullOrWhiteSpace(fromEnv)) return fromEnv;

        var root = RepoRoot();
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        psi.ArgumentList.Add(Path.Combine(root, "scripts", "postgres.sh"));
        psi.ArgumentList.Add("start");
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)) || process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/postgres.sh start failed:\n{stderr.Result}");
        var stateDir = Environment.GetEnvironmentVariable("PLATFORM_PG_DIR") ?? Path.Combine(root, ".local", "pg");
        return File.ReadAllText(Path.Combine(stateDir, "connection")).Trim();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln"))) return dir.FullName;
        throw new InvalidOperationException("Platform.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Maintenance() =>
        new NpgsqlConnectionStringBuilder(Server.Value) { Database = "postgres", Pooling = false }.ConnectionString;

    /// <returns>A connection string to a new, empty database.</returns>
    public static async Task<string> CreateAsync(string label)
    {
        var name = $"test_{label.ToLowerInvariant()}_{Guid.NewGuid():N}"[..48];
        await using (var conn = new NpgsqlConnection(Maintenance()))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Server.Value) { Database = name }.ConnectionString;
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(Maintenance());
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
