namespace Platform.Data;

/// <summary>
/// What an API key may do; written "read", "submit", "admin" in requests, responses and the database
/// (<see cref="WireNames"/>). Scopes are nested: each allows everything the ones before it do. A browser
/// session signed in with a password holds <see cref="Admin"/>.
/// </summary>
public enum ApiKeyScope
{
    /// <summary>GET requests and the live progress hub: the team's runs, metrics, checkpoints, leaderboards.</summary>
    Read = 0,

    /// <summary>Also submit and cancel runs, upload meta-networks, evaluate checkpoints.</summary>
    Submit = 1,

    /// <summary>Also mint and revoke the user's API keys.</summary>
    Admin = 2,
}
