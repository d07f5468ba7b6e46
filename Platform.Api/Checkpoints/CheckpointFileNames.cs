using System.Globalization;
using System.Text;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Api.Checkpoints;

/// <summary>What a checkpoint download holds: the stored file, or (agent checkpoints) the policy alone (<see cref="PolicyPackage"/>).</summary>
public enum CheckpointContents { Full, Policy }

/// <summary>
/// The one place download file names are made: the Content-Disposition of GET /api/checkpoints/{id}/download, which the web's
/// download proxy passes on as it is. A name says what the file is, then its environment, rule, run (short id) and step,
/// in lower-case letters, digits, '.', '-' and '_' only:
/// <code>
/// agent_catch-5x5_disco103_run-1a2b3c4d_step-12000.zip           an agent checkpoint, as stored (resumable)
/// policy_catch-5x5_disco103_run-1a2b3c4d_step-12000.zip          the same, policy only
/// meta-network_catch-5x5_run-1a2b3c4d_meta-step-50.npz           a meta-trained meta-network
/// meta-network_my-rule_9e8f7a6b.npz                              an uploaded (or the released) meta-network: its name and short id
/// </code>
/// </summary>
public static class CheckpointFileNames
{
    /// <summary>Each part (environment, rule, an upload's name) is cut to this many characters.</summary>
    public const int MaxPartLength = 40;

    /// <param name="checkpoint">With its <see cref="Checkpoint.Run"/> loaded when it has one.</param>
    /// <param name="contents">Policy: agent checkpoints only.</param>
    public static string For(Checkpoint checkpoint, CheckpointContents contents = CheckpointContents.Full)
    {
        var run = checkpoint.Run;
        var step = checkpoint.Step.ToString(CultureInfo.InvariantCulture);
        string[] parts = (checkpoint.Kind, run) switch
        {
            (CheckpointKind.Agent, not null) =>
                [contents == CheckpointContents.Policy ? "policy" : "agent", Part(run.EnvironmentId), RulePart(run.Rule), RunPart(run.Id), "step-" + step],
            (CheckpointKind.Agent, null) => [contents == CheckpointContents.Policy ? "policy" : "agent", Part(checkpoint.Name), ShortIds.Of(checkpoint.Id)],
            (_, not null) => ["meta-network", Part(run.EnvironmentId), RunPart(run.Id), "meta-step-" + step],
            _ => ["meta-network", Part(checkpoint.Name), ShortIds.Of(checkpoint.Id)],
        };
        return string.Join('_', parts) + (checkpoint.Kind == CheckpointKind.Agent ? ".zip" : ".npz");
    }

    private static string RunPart(Guid runId) => "run-" + ShortIds.Of(runId);

    /// <summary>A run's rule: named rules as they are; a meta-network by its short id (a whole id would make the name unwieldy).</summary>
    private static string RulePart(string rule) =>
        RuleReference.TryParse(rule, allowNpz: true, out var parsed, out _) ? parsed.Kind switch
        {
            RuleKind.MetaNetwork => "meta-network-" + ShortIds.Of(parsed.MetaNetworkId!.Value),
            RuleKind.NpzFile => "npz",
            _ => Part(parsed.Name!),
        } : Part(rule);

    /// <summary>Lower case; every run of other characters (spaces, '/', ':', quotes, non-ASCII…) becomes one '-'.</summary>
    private static string Part(string text)
    {
        var safe = new StringBuilder(MaxPartLength);
        foreach (var c in text.ToLowerInvariant())
        {
            if (safe.Length == MaxPartLength) break;
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.') safe.Append(c);
            else if (safe.Length > 0 && safe[^1] != '-') safe.Append('-');
        }
        var part = safe.ToString().Trim('-', '.');
        return part.Length > 0 ? part : "unnamed";
    }
}
