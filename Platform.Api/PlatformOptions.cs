namespace Platform.Api;

/// <summary>Settings under "Platform" in configuration (appsettings, PLATFORM__* environment variables).</summary>
public sealed class PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>Email of the administrator created on first start (when no user exists yet).</summary>
    public string AdminEmail { get; set; } = "admin@localhost";

    /// <summary>Initial administrator password; generated and printed when unset.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Initial administrator API key; generated and printed when unset.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>Apply pending EF Core migrations when the API starts (else run `Platform.Api migrate`).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// The artifact store shared with the workers (<see cref="Platform.Data.Storage.ArtifactStore"/>): run folders, checkpoints,
    /// meta-networks, replays; stored locations are relative to it. Relative to the API's content root when not absolute.
    /// </summary>
    public string StorageRoot { get; set; } = Platform.Data.Storage.ArtifactStore.DefaultRoot;

    /// <summary>Sign-in attempts per account per minute before 429s; a client address gets five times as many (<see cref="Auth.SignInRateLimit"/>).</summary>
    public int SignInPermitsPerMinute { get; set; } = 20;

    /// <summary>Lifetimes of API keys and the hub's recheck of live connections (<see cref="Auth.ApiKeyOptions"/>).</summary>
    public Auth.ApiKeyOptions ApiKeys { get; set; } = new();

    /// <summary>Per-team limits on submissions (<see cref="Runs.RunQuotas"/>).</summary>
    public Runs.QuotaOptions Quotas { get; set; } = new();

    /// <summary>How the API advances transfer pipelines (<see cref="Pipelines.PipelineAdvancerService"/>).</summary>
    public Pipelines.PipelineOptions Pipelines { get; set; } = new();

    /// <summary>Largest request body accepted (JSON endpoints); uploads would raise it per endpoint.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest meta-network upload (the released Disco103 file is 2.8 MB).</summary>
    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;

    /// <summary>Meta-network uploads being received and checked at once, for the whole API; more are refused with 429.</summary>
    public int MaxConcurrentUploads { get; set; } = 4;

    public const long DefaultMaxUploadBytes = 64L * 1024 * 1024;
}
