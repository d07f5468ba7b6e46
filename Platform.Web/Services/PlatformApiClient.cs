using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Components.Authorization;

namespace Platform.Web.Services;

/// <summary>
/// Typed client of Platform.Api, used from the Blazor circuit. Every request carries the signed-in user's API key
/// (from the server-side auth cookie's claims) as a bearer token; the key never goes to the browser's scripts.
/// </summary>
public sealed class PlatformApiClient(HttpClient http, AuthenticationStateProvider auth)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Uri BaseAddress => http.BaseAddress!;

    public async Task<string?> ApiKeyAsync()
    {
        var state = await auth.GetAuthenticationStateAsync();
        return state.User.FindFirst(WebClaims.ApiKey)?.Value;
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string url, HttpContent? content = null, CancellationToken ct = default)
    {
        try
        {
            using var request = new HttpRequestMessage(method, url) { Content = content };
            if (await ApiKeyAsync() is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode) return await ApiResult<T>.FromProblemAsync(response, ct);
            if (typeof(T) == typeof(bool) || response.StatusCode == HttpStatusCode.NoContent)
                return ApiResult<T>.Success(default!, response.StatusCode);
            var value = await response.Content.ReadFromJsonAsync<T>(Json, ct);
            return ApiResult<T>.Success(value!, response.StatusCode);
        }
        catch (HttpRequestException ex) { return ApiResult<T>.FromUnreachable(ex); }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested) { return ApiResult<T>.FromUnreachable(ex); }
    }

    public Task<ApiResult<MeDto>> MeAsync(CancellationToken ct = default) => SendAsync<MeDto>(HttpMethod.Get, "api/auth/me", ct: ct);
    public Task<ApiResult<List<ApiKeyDto>>> KeysAsync(CancellationToken ct = default) => SendAsync<List<ApiKeyDto>>(HttpMethod.Get, "api/auth/keys", ct: ct);
    public Task<ApiResult<TeamStorageDto>> TeamStorageAsync(CancellationToken ct = default) => SendAsync<TeamStorageDto>(HttpMethod.Get, "api/team/storage", ct: ct);
    public Task<ApiResult<CreatedApiKeyDto>> CreateKeyAsync(string name, string scope, int expiresInHours, CancellationToken ct = default) =>
        SendAsync<CreatedApiKeyDto>(HttpMethod.Post, "api/auth/keys", JsonContent.Create(new { name, scope, expiresInHours }, options: Json), ct);
    public Task<ApiResult<bool>> RevokeKeyAsync(Guid id, CancellationToken ct = default) => SendAsync<bool>(HttpMethod.Delete, $"api/auth/keys/{id}", ct: ct);

    public Task<ApiResult<List<EnvironmentDto>>> EnvironmentsAsync(CancellationToken ct = default) =>
        SendAsync<List<EnvironmentDto>>(HttpMethod.Get, "api/environments", ct: ct);
    public Task<ApiResult<List<SuiteDto>>> SuitesAsync(CancellationToken ct = default) =>
        SendAsync<List<SuiteDto>>(HttpMethod.Get, "api/suites", ct: ct);
    public Task<ApiResult<Dictionary<string, List<RunOptionDto>>>> RunOptionsAsync(CancellationToken ct = default) =>
        SendAsync<Dictionary<string, List<RunOptionDto>>>(HttpMethod.Get, "api/run-options", ct: ct);
    public Task<ApiResult<TrainDefaultsDto>> TrainDefaultsAsync(string env, string rule, string queue, CancellationToken ct = default) =>
        SendAsync<TrainDefaultsDto>(HttpMethod.Get,
            $"api/run-options/train/defaults?env={Uri.EscapeDataString(env)}&rule={Uri.EscapeDataString(rule)}&queue={Uri.EscapeDataString(queue)}", ct: ct);
    public Task<ApiResult<List<RuleInfo>>> RulesAsync(CancellationToken ct = default) =>
        SendAsync<List<RuleInfo>>(HttpMethod.Get, "api/rules", ct: ct);

    public Task<ApiResult<RunPage>> RunsAsync(string? env = null, string? rule = null, string? status = null, string? tag = null,
        int page = 1, int pageSize = 20, bool archived = false, CancellationToken ct = default)
    {
        var q = new List<string> { $"page={page}", $"pageSize={pageSize}" };
        if (archived) q.Add("archived=true");
        if (!string.IsNullOrEmpty(env)) q.Add("env=" + Uri.EscapeDataString(env));
        if (!string.IsNullOrEmpty(rule)) q.Add("rule=" + Uri.EscapeDataString(rule));
        if (!string.IsNullOrEmpty(status)) q.Add("status=" + Uri.EscapeDataString(status));
        if (!string.IsNullOrEmpty(tag)) q.Add("tag=" + Uri.EscapeDataString(tag));
        return SendAsync<RunPage>(HttpMethod.Get, "api/runs?" + string.Join('&', q), ct: ct);
    }

    public Task<ApiResult<RunDto>> RunAsync(Guid id, CancellationToken ct = default) => SendAsync<RunDto>(HttpMethod.Get, $"api/runs/{id}", ct: ct);

    public Task<ApiResult<RunMetricsDto>> MetricsAsync(Guid id, string? name = null, int maxPoints = 400, CancellationToken ct = default) =>
        SendAsync<RunMetricsDto>(HttpMethod.Get, $"api/runs/{id}/metrics?maxPoints={maxPoints}" + (name is null ? "" : "&name=" + Uri.EscapeDataString(name)), ct: ct);

    /// <summary>The GIF replay of a run's final policy (GET api/runs/{id}/replay); a 404 problem while the run has none.</summary>
    public async Task<ApiResult<byte[]>> ReplayAsync(Guid id, CancellationToken ct = default)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/runs/{id}/replay");
            if (await ApiKeyAsync() is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode) return await ApiResult<byte[]>.FromProblemAsync(response, ct);
            if (response.Content.Headers.ContentType?.MediaType != "image/gif")
                return new ApiResult<byte[]> { Status = response.StatusCode, Problem = "The API answered with something other than a GIF." };
            return ApiResult<byte[]>.Success(await response.Content.ReadAsByteArrayAsync(ct), response.StatusCode);
        }
        catch (HttpRequestException ex) { return ApiResult<byte[]>.FromUnreachable(ex); }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested) { return ApiResult<byte[]>.FromUnreachable(ex); }
    }

    /// <summary>Request bodies leave out what the user left empty, so the API applies its defaults.</summary>
    private static readonly JsonSerializerOptions WithoutNulls = new(Json) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public Task<ApiResult<RunDto>> SubmitAsync(SubmitRunBody body, string? idempotencyKey = null, CancellationToken ct = default)
    {
        var content = JsonContent.Create(body, options: WithoutNulls);
        return SendWithHeaderAsync<RunDto>(HttpMethod.Post, "api/runs", content, "Idempotency-Key", idempotencyKey, ct);
    }

    private async Task<ApiResult<T>> SendWithHeaderAsync<T>(HttpMethod method, string url, HttpContent content, string header, string? value, CancellationToken ct)
    {
        if (value is null) return await SendAsync<T>(method, url, content, ct);
        try
        {
            using var request = new HttpRequestMessage(method, url) { Content = content };
            request.Headers.TryAddWithoutValidation(header, value);
            if (await ApiKeyAsync() is { } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode) return await ApiResult<T>.FromProblemAsync(response, ct);
            return ApiResult<T>.Success((await response.Content.ReadFromJsonAsync<T>(Json, ct))!, response.StatusCode);
        }
        catch (HttpRequestException ex) { return ApiResult<T>.FromUnreachable(ex); }
    }

    public Task<ApiResult<SweepCreatedDto>> SubmitSweepAsync(SubmitSweepBody body, CancellationToken ct = default) =>
        SendAsync<SweepCreatedDto>(HttpMethod.Post, "api/sweeps", JsonContent.Create(body, options: WithoutNulls), ct);

    public Task<ApiResult<PipelineCreatedDto>> SubmitPipelineAsync(SubmitPipelineBody body, CancellationToken ct = default) =>
        SendAsync<PipelineCreatedDto>(HttpMethod.Post, "api/pipelines", JsonContent.Create(body, options: WithoutNulls), ct);
    public Task<ApiResult<List<PipelineListItemDto>>> PipelinesAsync(CancellationToken ct = default) =>
        SendAsync<List<PipelineListItemDto>>(HttpMethod.Get, "api/pipelines", ct: ct);
    public Task<ApiResult<PipelineDto>> PipelineAsync(Guid id, CancellationToken ct = default) => SendAsync<PipelineDto>(HttpMethod.Get, $"api/pipelines/{id}", ct: ct);
    public Task<ApiResult<PipelineDto>> CancelPipelineAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<PipelineDto>(HttpMethod.Post, $"api/pipelines/{id}/cancel", ct: ct);

    public Task<ApiResult<RunDto>> CancelAsync(Guid id, CancellationToken ct = default) => SendAsync<RunDto>(HttpMethod.Post, $"api/runs/{id}/cancel", ct: ct);
    /// <summary>What deleting the checkpoint would free and what cites it.</summary>
    public Task<ApiResult<CheckpointDeletionDto>> CheckpointDeletionAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<CheckpointDeletionDto>(HttpMethod.Get, $"api/checkpoints/{id}/deletion", ct: ct);
    public Task<ApiResult<bool>> DeleteCheckpointAsync(Guid id, bool force, CancellationToken ct = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"api/checkpoints/{id}" + (force ? "?force=true" : ""), ct: ct);
    /// <summary>Archives a finished run (lists leave it out) or brings it back.</summary>
    public Task<ApiResult<RunDto>> SetArchivedAsync(Guid id, bool archived, CancellationToken ct = default) =>
        SendAsync<RunDto>(HttpMethod.Post, $"api/runs/{id}/" + ArchiveVerb(archived), ct: ct);
    /// <summary>Archives a finished sweep with its runs, or brings them back.</summary>
    public Task<ApiResult<SweepDto>> SetSweepArchivedAsync(Guid id, bool archived, CancellationToken ct = default) =>
        SendAsync<SweepDto>(HttpMethod.Post, $"api/sweeps/{id}/" + ArchiveVerb(archived), ct: ct);
    /// <summary>Archives a checkpoint (lists and pickers leave it out) or brings it back.</summary>
    public Task<ApiResult<CheckpointDto>> SetCheckpointArchivedAsync(Guid id, bool archived, CancellationToken ct = default) =>
        SendAsync<CheckpointDto>(HttpMethod.Post, $"api/checkpoints/{id}/" + ArchiveVerb(archived), ct: ct);
    private static string ArchiveVerb(bool archived) => archived ? "archive" : "unarchive";
    /// <summary>What deleting the run would remove, what cites it, and whether it can go now.</summary>
    public Task<ApiResult<RunDeletionDto>> RunDeletionAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<RunDeletionDto>(HttpMethod.Get, $"api/runs/{id}/deletion", ct: ct);
    /// <summary>Deletes the run for good; <paramref name="force"/> once the user has seen what cites it.</summary>
    public Task<ApiResult<bool>> DeleteRunAsync(Guid id, bool force, CancellationToken ct = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"api/runs/{id}" + (force ? "?force=true" : ""), ct: ct);
    public Task<ApiResult<RunDto>> RenameRunAsync(Guid id, string name, CancellationToken ct = default) =>
        SendAsync<RunDto>(HttpMethod.Patch, $"api/runs/{id}", JsonContent.Create(new { name }, options: Json), ct);
    public Task<ApiResult<List<SweepListItemDto>>> SweepsAsync(bool archived = false, CancellationToken ct = default) =>
        SendAsync<List<SweepListItemDto>>(HttpMethod.Get, "api/sweeps" + (archived ? "?archived=true" : ""), ct: ct);
    public Task<ApiResult<SweepDto>> SweepAsync(Guid id, CancellationToken ct = default) => SendAsync<SweepDto>(HttpMethod.Get, $"api/sweeps/{id}", ct: ct);
    public Task<ApiResult<SweepDeletionDto>> SweepDeletionAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<SweepDeletionDto>(HttpMethod.Get, $"api/sweeps/{id}/deletion", ct: ct);
    /// <summary>Deletes the sweep and all its runs for good; <paramref name="force"/> once the user has seen what cites them.</summary>
    public Task<ApiResult<bool>> DeleteSweepAsync(Guid id, bool force, CancellationToken ct = default) =>
        SendAsync<bool>(HttpMethod.Delete, $"api/sweeps/{id}" + (force ? "?force=true" : ""), ct: ct);
    public Task<ApiResult<SweepDto>> CancelSweepAsync(Guid id, CancellationToken ct = default) => SendAsync<SweepDto>(HttpMethod.Post, $"api/sweeps/{id}/cancel", ct: ct);
    /// <summary>Starts an inspect run of an agent checkpoint (the agent's own rule, the inspect table's defaults).</summary>
    public Task<ApiResult<RunDto>> InspectAsync(Guid checkpointId, CancellationToken ct = default) =>
        SendAsync<RunDto>(HttpMethod.Post, $"api/checkpoints/{checkpointId}/inspect", JsonContent.Create(new { }), ct);
    /// <summary>An inspect run's report (404 until it has succeeded).</summary>
    public Task<ApiResult<JsonElement>> InspectionAsync(Guid runId, CancellationToken ct = default) =>
        SendAsync<JsonElement>(HttpMethod.Get, $"api/runs/{runId}/inspection", ct: ct);
    public Task<ApiResult<RunDto>> RerunAsync(Guid id, CancellationToken ct = default) => SendAsync<RunDto>(HttpMethod.Post, $"api/runs/{id}/rerun", ct: ct);
    public Task<ApiResult<RerunComparisonDto>> RerunComparisonAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<RerunComparisonDto>(HttpMethod.Get, $"api/runs/{id}/rerun-comparison", ct: ct);

    /// <summary>The team's and shared checkpoints; a run's (all of them, archived ones marked) with <paramref name="runId"/>;
    /// only archived ones with <paramref name="archived"/>.</summary>
    public Task<ApiResult<List<CheckpointDto>>> CheckpointsAsync(Guid? runId = null, string? kind = null, bool archived = false, CancellationToken ct = default)
    {
        var q = new List<string> { "limit=200" };
        if (archived) q.Add("archived=true");
        if (runId is not null) q.Add($"runId={runId}");
        if (kind is not null) q.Add("kind=" + kind);
        return SendAsync<List<CheckpointDto>>(HttpMethod.Get, "api/checkpoints?" + string.Join('&', q), ct: ct);
    }

    /// <summary>Uploads a meta-network (.npz) as multipart form data (fields: file, name).</summary>
    public Task<ApiResult<CheckpointDto>> UploadCheckpointAsync(string name, Stream file, string fileName, CancellationToken ct = default)
    {
        var form = new MultipartFormDataContent();
        var part = new StreamContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", fileName);
        form.Add(new StringContent(name), "name");
        return SendAsync<CheckpointDto>(HttpMethod.Post, "api/checkpoints", form, ct);
    }

    public Task<ApiResult<LeaderboardDto>> LeaderboardAsync(string suite, CancellationToken ct = default) =>
        SendAsync<LeaderboardDto>(HttpMethod.Get, $"api/leaderboards/{Uri.EscapeDataString(suite)}", ct: ct);

    public Task<ApiResult<GeneralisationDto>> GeneralisationAsync(CancellationToken ct = default) =>
        SendAsync<GeneralisationDto>(HttpMethod.Get, "api/leaderboards/generalisation", ct: ct);

    /// <summary>One train run per environment of the suite and seed, with the meta-network as the rule.</summary>
    public Task<ApiResult<SuiteEvaluationDto>> EvaluateOnSuiteAsync(Guid checkpointId, EvaluateOnSuiteBody body, string? idempotencyKey = null,
        CancellationToken ct = default) =>
        SendWithHeaderAsync<SuiteEvaluationDto>(HttpMethod.Post, $"api/checkpoints/{checkpointId}/evaluate",
            JsonContent.Create(body, options: Json), "Idempotency-Key", idempotencyKey, ct);
}
