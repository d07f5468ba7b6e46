// A program using the client Kiota generates from the live API's /openapi/v1.json, as an API user would write it.
// GeneratedClientTests builds it in a temporary folder beside the generated client (it is not part of Platform.Tests)
// and runs it: Program BASE_URL API_KEY CHECKPOINT_ID. It prints one JSON object of what it saw; the test checks it.
using System.Security.Cryptography;
using System.Text.Json;
using Disco.Client;
using Disco.Client.Models;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

var (baseUrl, apiKey, checkpointId) = (args[0], args[1], Guid.Parse(args[2]));
// The key as a default header (Kiota's ApiKeyAuthenticationProvider sends keys over https only; the test API is http).
DiscoClient Connect(string key)
{
    var http = KiotaClientFactory.Create();
    http.DefaultRequestHeaders.Authorization = new("Bearer", key);
    return new DiscoClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http) { BaseUrl = baseUrl });
}
var client = Connect(apiKey);

var submitted = await client.Api.Runs.PostAsync(new SubmitRunRequest { Env = "catch/8x8", Rule = "ppo", Steps = 100, Seed = 3, Tags = ["generated-client"] });
var listed = await client.Api.Runs.GetAsync(r => r.QueryParameters.Tag = "generated-client");
var run = await client.Api.Runs[submitted!.Id!.Value].GetAsync();

var checkpoints = await client.Api.Checkpoints.GetAsync(r => r.QueryParameters.Kind = "meta-network");
var checkpoint = checkpoints!.Single(c => c.Id == checkpointId);
await using var download = await client.Api.Checkpoints[checkpointId].Download.GetAsync();
var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(download!));

// Errors arrive as the declared ProblemDetails, thrown as exceptions.
int? Status(Func<Task> call)
{
    try { call().GetAwaiter().GetResult(); return null; }
    catch (ProblemDetails problem) { return problem.ResponseStatusCode; }
}

Console.WriteLine(JsonSerializer.Serialize(new
{
    SubmittedId = submitted.Id,
    SubmittedStatus = submitted.Status?.ToString(),
    ListedIds = listed!.Items!.Select(r => r.Id).ToList(),
    ListedTotal = listed.Total,
    RunEnv = run!.Env,
    CheckpointSha256 = checkpoint.Sha256,
    DownloadSha256 = sha256,
    MissingRunStatus = Status(() => client.Api.Runs[Guid.NewGuid()].GetAsync()),
    WithoutKeyStatus = Status(() => Connect("dp_not-a-key").Api.Runs.GetAsync()),
}));
