namespace Platform.Web.Services;

/// <summary>
/// The web app's checkpoint downloads: the proxy's route (the browser has no API key, so it downloads through the web app,
/// which adds the user's) and the links pages make to it. The file name is the API's (its Content-Disposition), passed on.
/// </summary>
public static class CheckpointDownloads
{
    public const string Route = "/download/checkpoints/{id:guid}";

    /// <summary>The API's query parameter and value for an agent checkpoint's policy-only zip (GET /api/checkpoints/{id}/download).</summary>
    public const string ContentsParameter = "contents", PolicyOnly = "policy";

    /// <summary>What the policy-only button's tooltip says it leaves out.</summary>
    public const string PolicyOnlyTip = "The network's parameters and the run's run.json only (unpacked, a folder for evaluate or replay " +
                                        "--checkpoint): much smaller, without the optimiser, target network and replay buffer that resuming needs.";

    public static string Href(Guid id, bool policyOnly = false) =>
        $"/download/checkpoints/{id}" + (policyOnly ? $"?{ContentsParameter}={PolicyOnly}" : "");
}
