using Microsoft.EntityFrameworkCore.Design;
using Platform.Data;

namespace Platform.Migrations;

/// <summary>
/// Lets `dotnet ef` build the context without starting a host. Generating migrations needs no server; applying
/// them with `dotnet ef database update` uses PLATFORM_DB (see scripts/postgres.sh).
/// </summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<PlatformDbContext>
{
    public PlatformDbContext CreateDbContext(string[] args) =>
        PlatformDbContext.Create(Environment.GetEnvironmentVariable("PLATFORM_DB")
            ?? "Host=127.0.0.1;Port=5432;Username=platform;Database=platform");
}
