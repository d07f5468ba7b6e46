using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Workers.Inspection;

/// <summary>
/// What <c>inspect-rule</c> writes (one JSON file, snake_case keys): the settings it ran with, every inspected step, the
/// episodes, and the summary. Per-action arrays are in the environment's action order (<see cref="ActionNames"/>).
/// Fields a rule does not have are null: a baseline emits no π̂, no y or z.
/// </summary>
/// <param name="RuleState">"checkpoint" (the rule's state saved with the agent: the rule is the agent's own) or "initial".</param>
public sealed record InspectionReport(
    string Schema,
    string Checkpoint,
    string Env,
    string Rule,
    string AgentRule,
    string RuleState,
    IReadOnlyList<string> ActionNames,
    InspectionSettings Settings,
    IReadOnlyList<InspectedStep> Steps,
    IReadOnlyList<InspectedEpisode> Episodes,
    InspectionSummary Summary)
{
    public const string SchemaId = "disco-rule-inspection/1";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
    };
}

/// <param name="Lanes">Environments stepped side by side: min(episodes, <see cref="Platform.Data.Runs.InspectOptions.MaxLanes"/>).</param>
/// <param name="RolloutLength">T: the rule is applied to [T+1, B] windows as the learner does, its state carried from one to the next.</param>
/// <param name="Discount">γ of the rule's value function; also the GAE's and the probes' discounted return.</param>
/// <param name="EndsWithinK">The probes' "episode ends within k steps".</param>
/// <param name="Frame">Lane 0's observation per step: <see cref="InspectedStep.Frame"/> is H×W characters, each cell the
/// base-36 index (1-based) of its first active channel, 0 for none.</param>
public sealed record InspectionSettings(int Episodes, ulong Seed, int Lanes, int RolloutLength, double Discount, double GaeLambda,
    int EndsWithinK, int ProbeComponents, int[] Frame, IReadOnlyList<string> Channels);

/// <summary>
/// One transition of one lane: the state s_t, the action taken, the reward and whether the episode ended with it.
/// <see cref="RuleAdvantage"/> is what the rule asks of the taken action: log π̂(a) − log π(a) for a meta-learned rule,
/// the V-trace (actor-critic) or GAE (PPO) advantage the baseline computes on its window.
/// </summary>
/// <param name="GaeAdvantage">GAE(λ) over the whole lane with the agent's own value: Σ_a π(a)Q(s,a) for Disco agents, the value head otherwise.</param>
/// <param name="QAdvantage">Q(s,a) − V(s) per action from the rule's value function (target network; Disco rules only).</param>
public sealed record InspectedStep(
    int Lane, int T, int Action, float Reward, bool EpisodeStart, bool EpisodeEnd,
    float[] Pi, float[]? PiHat, float[]? ImpliedAdvantage, float RuleAdvantage,
    float GaeAdvantage, float Value, float[]? QAdvantage,
    float Entropy,
    float? YNorm, float? ZNorm, float[]? YPc, float[]? ZPc, float? YHatNorm, float? ZHatNorm, float? YKl, float? ZKl,
    string? Frame);

/// <summary>A complete episode (it ended within the inspected steps) or the unfinished tail of a lane.</summary>
public sealed record InspectedEpisode(int Lane, int StartT, int EndT, float Return, bool Complete);

/// <param name="Correlation">Pearson correlation over every step between the rule's advantage and each classical one.</param>
/// <param name="SignAgreement">Share of steps where the rule's advantage and the classical one have the same sign.</param>
/// <param name="Probes">R² on held-out episodes of ridge regressions from y (and z) principal components; null without y/z or too few episodes.</param>
public sealed record InspectionSummary(int Steps, int CompleteEpisodes, double? MeanReturn,
    IReadOnlyDictionary<string, double?> Correlation, IReadOnlyDictionary<string, double?> SignAgreement,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double?>>? Probes, string? ProbeSplit);
