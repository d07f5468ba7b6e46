using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Infrastructure;
using Platform.Api.Runs;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Data.Runs;

namespace Platform.Api.Pipelines;

/// <summary>
/// Moves a pipeline along when its runs have moved: meta-training → (the meta-train run succeeded and meta-validation
/// selected a rule) evaluating, with the selected rule's runs created; evaluating → finished when every run has ended.
/// Every step is safe to repeat and to race (several API instances): stages change by conditional updates and the
/// selected rule's runs carry idempotency keys, so a step interrupted half-way is completed by the next call.
/// </summary>
public sealed class PipelineAdvancer(PlatformDbContext db, RunService runs, ILogger<PipelineAdvancer> logger)
{
    private static readonly RunStatus[] Active = [RunStatus.Queued, RunStatus.Running];
    /// <summary>How long a pipeline may be without its meta-train run before its submission counts as interrupted.</summary>
    public static readonly TimeSpan InterruptedAfter = TimeSpan.FromMinutes(5);

    public async Task AdvanceAsync(Guid id, CancellationToken ct)
    {
        var pipeline = await db.Pipelines.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (pipeline is null) return;
        if (pipeline.MetaTrainRunId == Guid.Empty)
        {
            // Being created; one whose creator died before storing its meta-train run is failed rather than left waiting.
            if (DateTimeOffset.UtcNow - pipeline.CreatedAt > InterruptedAfter)
                await FailAsync(pipeline, "The submission was interrupted before its meta-train run was stored.", ct);
            return;
        }
        if (pipeline.Stage == PipelineStage.MetaTraining) await AfterMetaTrainingAsync(pipeline, ct);
        pipeline = await db.Pipelines.AsNoTracking().FirstAsync(p => p.Id == id, ct);
        if (pipeline.Stage == PipelineStage.Evaluating) await EvaluateAsync(pipeline, ct);
    }

    private async Task AfterMetaTrainingAsync(Pipeline pipeline, CancellationToken ct)
    {
        var meta = await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == pipeline.MetaTrainRunId, ct);
        if (meta is null) { await FailAsync(pipeline, "The meta-train run no longer exists.", ct); return; }
        switch (meta.Status)
        {
            case RunStatus.Queued or RunStatus.Running:
                return;
            case RunStatus.Failed or RunStatus.Cancelled:
                await FailAsync(pipeline, $"The meta-train run {WireNames.ToWire(meta.Status)}{(meta.Error is { } e ? ": " + e : ".")}", ct);
                return;
        }
        var selected = await db.Checkpoints.AsNoTracking()
            .Where(c => c.RunId == meta.Id && c.Kind == CheckpointKind.MetaNetwork && c.Selected).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(ct);
        if (selected is null) { await FailAsync(pipeline, "The meta-train run succeeded but meta-validation selected no rule.", ct); return; }
        var moved = await db.Pipelines.Where(p => p.Id == pipeline.Id && p.Stage == PipelineStage.MetaTraining)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Stage, PipelineStage.Evaluating).SetProperty(p => p.SelectedCheckpointId, selected), ct);
        if (moved == 1) logger.LogInformation("Pipeline {PipelineId}: meta-validation selected {CheckpointId}; evaluating it", pipeline.Id, selected);
    }

    /// <summary>Creates the selected rule's runs that do not exist yet (none once cancelled), then finishes when every run has ended.</summary>
    private async Task EvaluateAsync(Pipeline pipeline, CancellationToken ct)
    {
        if (pipeline.CancelRequestedAt is null && pipeline.SelectedCheckpointId is { } selected)
        {
            var evaluation = EvaluationOf(pipeline.Definition);
            var rule = RuleReference.MetaNetwork(selected).ToString();
            var existing = (await db.Runs.AsNoTracking().Where(r => r.PipelineId == pipeline.Id && r.IdempotencyKey != null)
                .Select(r => r.IdempotencyKey!).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
            foreach (var env in evaluation.Envs ?? [])
            foreach (var seed in evaluation.Seeds ?? [])
            {
                var key = PipelineService.EvaluationKey(pipeline.Id, rule, env, seed);
                if (existing.Contains(key)) continue;
                var (spec, problems) = await RunSpecValidator.ValidateAsync(PipelineService.EvaluationRequest(pipeline.Id, rule, env, seed, evaluation),
                    pipeline.TeamId, db, ct);
                if (spec is null)
                {
                    // Validated with a stand-in rule at submission; only a change of the platform's options can get here.
                    await FailAsync(pipeline, "The selected rule's run on " + env + " was refused: "
                        + string.Join("; ", problems.Select(p => $"{p.Key}: {string.Join(" ", p.Value)}")), ct, PipelineStage.Evaluating);
                    return;
                }
                // The quota was checked for these runs when the pipeline was submitted.
                await runs.SubmitAsync(spec, pipeline.TeamId, pipeline.CreatedByUserId ?? Guid.Empty, key, CancellationToken.None,
                    quotaChecked: true, pipelineId: pipeline.Id);
            }
        }
        if (!await db.Runs.AnyAsync(r => r.PipelineId == pipeline.Id && Active.Contains(r.Status), ct))
            await db.Pipelines.Where(p => p.Id == pipeline.Id && p.Stage == PipelineStage.Evaluating)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Stage, PipelineStage.Finished), ct);
    }

    private async Task FailAsync(Pipeline pipeline, string error, CancellationToken ct, PipelineStage from = PipelineStage.MetaTraining)
    {
        var message = error.Length > 2000 ? error[..2000] : error;
        if (await db.Pipelines.Where(p => p.Id == pipeline.Id && p.Stage == from)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Stage, PipelineStage.Failed).SetProperty(p => p.Error, message), ct) == 1)
            logger.LogWarning("Pipeline {PipelineId} failed: {Error}", pipeline.Id, message);
    }

    /// <summary>The evaluation part of a stored definition.</summary>
    public static PipelineEvaluationRequest EvaluationOf(string definition)
    {
        using var doc = JsonDocument.Parse(definition);
        return doc.RootElement.GetProperty("evaluation").Deserialize<PipelineEvaluationRequest>(ApiJson.Strict)
               ?? throw new FormatException("A pipeline definition without its evaluation.");
    }
}

/// <summary>Settings under "Platform:Pipelines".</summary>
public sealed class PipelineOptions
{
    /// <summary>How often the API looks for pipelines whose runs have moved on (a read of one pipeline also advances it).</summary>
    public double PollSeconds { get; set; } = 2;
}

/// <summary>Advances every pipeline that is still meta-training or evaluating, every few seconds.</summary>
public sealed class PipelineAdvancerService(IServiceScopeFactory scopes, IOptions<PlatformOptions> options, ILogger<PipelineAdvancerService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.1, options.Value.Pipelines.PollSeconds));
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
                var open = await db.Pipelines.AsNoTracking()
                    .Where(p => p.Stage == PipelineStage.MetaTraining || p.Stage == PipelineStage.Evaluating).Select(p => p.Id).ToListAsync(stoppingToken);
                var advancer = scope.ServiceProvider.GetRequiredService<PipelineAdvancer>();
                foreach (var id in open) await advancer.AdvanceAsync(id, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception ex)
            {
                // A database hiccup: the next tick tries again; nothing is half-done that a repeat cannot finish.
                logger.LogWarning(ex, "Advancing pipelines failed; trying again in {Period}", period);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
