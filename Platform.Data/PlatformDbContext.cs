using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Platform.Data.Entities;

namespace Platform.Data;

public class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options)
{
    /// <summary>Migrations live in the top-level migrations/ project (assembly Platform.Migrations).</summary>
    public const string MigrationsAssembly = "Platform.Migrations";

    public DbSet<Team> Teams => Set<Team>();
    public DbSet<User> Users => Set<User>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Run> Runs => Set<Run>();
    public DbSet<Sweep> Sweeps => Set<Sweep>();
    public DbSet<Pipeline> Pipelines => Set<Pipeline>();
    public DbSet<MetricPoint> MetricPoints => Set<MetricPoint>();
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();
    public DbSet<Artifact> Artifacts => Set<Artifact>();
    public DbSet<SuiteRecord> Suites => Set<SuiteRecord>();
    public DbSet<EnvironmentRecord> Environments => Set<EnvironmentRecord>();

    /// <summary>The provider set-up every host (API, workers, tools, tests) must share.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder builder, string connectionString) =>
        builder
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly))
            .UseSnakeCaseNamingConvention();

    public static PlatformDbContext Create(string connectionString) =>
        new(((DbContextOptionsBuilder<PlatformDbContext>)Configure(new DbContextOptionsBuilder<PlatformDbContext>(), connectionString)).Options);

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Team>(e =>
        {
            e.Property(t => t.Name).HasMaxLength(200);
            e.HasIndex(t => t.Name).IsUnique();
        });

        model.Entity<User>(e =>
        {
            e.Property(u => u.Email).HasMaxLength(320);
            e.HasIndex(u => u.Email).IsUnique();
            e.HasOne(u => u.Team).WithMany(t => t.Users).HasForeignKey(u => u.TeamId).OnDelete(DeleteBehavior.Restrict);
        });

        model.Entity<ApiKey>(e =>
        {
            e.Property(k => k.Name).HasMaxLength(200);
            e.Property(k => k.Prefix).HasMaxLength(16);
            Kebab(e.Property(k => k.Scope)).HasMaxLength(16);
            e.HasIndex(k => k.KeyHash).IsUnique();
            e.HasOne(k => k.User).WithMany(u => u.ApiKeys).HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<Run>(e =>
        {
            Kebab(e.Property(r => r.Kind)).HasMaxLength(32);
            Kebab(e.Property(r => r.Status)).HasMaxLength(32);
            Kebab(e.Property(r => r.Queue)).HasMaxLength(16);
            e.Property(r => r.Spec).HasColumnType("jsonb");
            e.HasOne<Run>().WithMany().HasForeignKey(r => r.RerunOfId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Sweep>().WithMany().HasForeignKey(r => r.SweepId).OnDelete(DeleteBehavior.SetNull);
            e.Property(r => r.SweepPoint).HasColumnType("jsonb");
            e.HasOne<Pipeline>().WithMany().HasForeignKey(r => r.PipelineId).OnDelete(DeleteBehavior.SetNull);
            e.Property(r => r.Provenance).HasColumnType("jsonb");
            e.Property(r => r.EnvironmentId).HasMaxLength(100);
            e.Property(r => r.Rule).HasMaxLength(500);
            e.Property(r => r.IdempotencyKey).HasMaxLength(200);
            e.Property(r => r.WorkerName).HasMaxLength(200);
            e.Property(r => r.HangfireJobId).HasMaxLength(100);

            e.HasOne(r => r.Team).WithMany().HasForeignKey(r => r.TeamId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(r => r.Environment).WithMany().HasForeignKey(r => r.EnvironmentId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(r => r.MetaNetworkCheckpoint).WithMany().HasForeignKey(r => r.MetaNetworkCheckpointId)
                .OnDelete(DeleteBehavior.SetNull);

            // The UI's queries: a team's newest runs, a team's runs by status, runs of an environment, by tag.
            e.HasIndex(r => new { r.TeamId, r.CreatedAt }).IsDescending(false, true);
            e.HasIndex(r => new { r.TeamId, r.Status });
            e.HasIndex(r => new { r.EnvironmentId, r.CreatedAt });
            e.HasIndex(r => r.Tags).HasMethod("gin");
            e.HasIndex(r => new { r.TeamId, r.IdempotencyKey }).IsUnique().HasFilter("idempotency_key IS NOT NULL");
            e.Property(r => r.Name).HasMaxLength(Run.NameMaxLength);
            e.HasIndex(r => new { r.TeamId, r.Name }).IsUnique().HasFilter("name IS NOT NULL").HasDatabaseName(Run.NameIndex);
        });

        model.Entity<Sweep>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Method).HasMaxLength(16);
            e.Property(x => x.Definition).HasColumnType("jsonb");
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.TeamId, x.CreatedAt });
        });

        model.Entity<Pipeline>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Definition).HasColumnType("jsonb");
            Kebab(e.Property(x => x.Stage)).HasMaxLength(32);
            e.Property(x => x.Error).HasMaxLength(2000);
            e.HasOne<Team>().WithMany().HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Checkpoint>().WithMany().HasForeignKey(x => x.SelectedCheckpointId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(x => new { x.TeamId, x.CreatedAt });
            // The advancer's scan: pipelines still waiting on their meta-train run or creating their evaluation runs.
            e.HasIndex(x => x.Stage);
        });

        model.Entity<MetricPoint>(e =>
        {
            // The key's index also carries value and wall_time (INCLUDE, set in migration MetricReadsCovered: EF cannot
            // express it on a key), so a metric read is an index-only scan, not one heap page per point.
            e.HasKey(m => new { m.RunId, m.Name, m.Step });
            e.Property(m => m.Name).HasMaxLength(200);
            e.HasOne<Run>().WithMany().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<Checkpoint>(e =>
        {
            Kebab(e.Property(c => c.Kind)).HasMaxLength(32);
            e.Property(c => c.Name).HasMaxLength(300);
            e.Property(c => c.Sha256).HasMaxLength(64).IsFixedLength();
            e.HasOne(c => c.Run).WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Team>().WithMany().HasForeignKey(c => c.TeamId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(c => new { c.RunId, c.Step });
            e.HasIndex(c => new { c.TeamId, c.Kind, c.CreatedAt });
        });

        model.Entity<Artifact>(e =>
        {
            Kebab(e.Property(a => a.Kind)).HasMaxLength(32);
            e.Property(a => a.StorageUri).HasMaxLength(1000);
            e.Property(a => a.Sha256).HasMaxLength(64).IsFixedLength();
            e.HasOne(a => a.Run).WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
            // One replay per run: re-registering after a takeover updates it rather than adding another.
            e.HasIndex(a => new { a.RunId, a.Kind }).IsUnique();
        });

        model.Entity<SuiteRecord>(e =>
        {
            e.Property(s => s.Id).HasMaxLength(50);
        });

        model.Entity<EnvironmentRecord>(e =>
        {
            e.Property(x => x.Id).HasMaxLength(100);
            e.HasOne(x => x.Suite).WithMany(s => s.Environments).HasForeignKey(x => x.SuiteId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    private static PropertyBuilder<T> Kebab<T>(PropertyBuilder<T> property) where T : struct, Enum =>
        property.HasConversion(new ValueConverter<T, string>(v => WireNames.ToWire(v), s => WireNames.Parse<T>(s)));
}
