using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Api;
using Platform.Api.Endpoints;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Tests.Api;

public sealed record TestUser(Guid UserId, Guid TeamId, string Email, string Password, string ApiKey);

/// <summary>
/// One real API per test class: its own database, Kestrel on a free loopback port, migrations and bootstrap
/// exactly as in production. Team A's admin comes from the bootstrap; team B is a second, unrelated team.
/// </summary>
public class ApiFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@team-a.test";
    public const string AdminPassword = "correct horse battery staple";
    public static readonly string AdminKey = ApiKeyHasher.Generate();
    public const string QuotaTeam = "quota-team";
    /// <summary>Platform:ApiKeys:CacheSeconds in these tests (the default is 10).</summary>
    public const int ApiKeyCacheSeconds = 2;

    public string ConnectionString { get; private set; } = "";
    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    /// <summary>This fixture's private storage folder (uploaded files land here).</summary>
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"platform-storage-{Guid.NewGuid():N}");

    public TestUser TeamA { get; private set; } = null!;
    public TestUser TeamB { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync(GetType().Name);
        App = PlatformApi.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Platform"] = ConnectionString,
                ["Platform:AdminEmail"] = AdminEmail,
                ["Platform:AdminPassword"] = AdminPassword,
                ["Platform:AdminApiKey"] = AdminKey,
                ["Platform:StorageRoot"] = StorageRoot,
                // QuotaTests' team: small limits, so a test can reach them.
                [$"Platform:Quotas:Teams:{QuotaTeam}:MaxActiveRuns"] = "2",
                [$"Platform:Quotas:Teams:{QuotaTeam}:AllowGpu"] = "false",
                [$"Platform:Quotas:Teams:{QuotaTeam}:MaxStepsPerRun"] = "1000",
                // No periodic recheck of the hub's keys during a test: ApiKeyScopeTests sees a revocation close its
                // connections at once, and calls the recheck itself.
                ["Platform:ApiKeys:RecheckSeconds"] = "3600",
                // A key changed in the database (not through this instance) is trusted from the cache this long.
                ["Platform:ApiKeys:CacheSeconds"] = ApiKeyCacheSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "None",
            });
        });
        await Bootstrapper.PrepareAsync(App.Services);
        await App.StartAsync();
        BaseAddress = new Uri(App.Urls.Single());

        await using var db = Db();
        var admin = db.Users.Single(u => u.Email == AdminEmail);
        TeamA = new TestUser(admin.Id, admin.TeamId, AdminEmail, AdminPassword, AdminKey);
        TeamB = await CreateUserAsync("team-b", "user@team-b.test", "another password");
    }

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await TestDatabase.DropAsync(ConnectionString);
        if (Directory.Exists(StorageRoot)) Directory.Delete(StorageRoot, recursive: true);
    }

    public PlatformDbContext Db() => PlatformDbContext.Create(ConnectionString);

    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public async Task<TestUser> CreateUserAsync(string teamName, string email, string password)
    {
        await using var db = Db();
        var team = new Team { Id = Guid.NewGuid(), Name = teamName, CreatedAt = DateTimeOffset.UtcNow };
        var user = new User { Id = Guid.NewGuid(), TeamId = team.Id, Email = email, PasswordHash = "", CreatedAt = DateTimeOffset.UtcNow };
        user.PasswordHash = App.Services.GetRequiredService<IPasswordHasher<User>>().HashPassword(user, password);
        var (apiKey, key) = AuthEndpoints.NewApiKey(user.Id, "tests", ApiKeyScope.Admin, TimeSpan.FromDays(1));
        db.AddRange(team, user, apiKey);
        await db.SaveChangesAsync();
        return new TestUser(user.Id, team.Id, email, password, key);
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(await ScalarObjectAsync(sql, parameters));

    public async Task<double> ScalarDoubleAsync(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToDouble(await ScalarObjectAsync(sql, parameters));

    private async Task<object?> ScalarObjectAsync(string sql, (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value);
        return await cmd.ExecuteScalarAsync();
    }

    public Task<long> CountRunsAsync() => ScalarAsync("SELECT count(*) FROM runs");
    public Task<long> CountJobsAsync() => ScalarAsync("SELECT count(*) FROM hangfire.job");
}
