using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;

namespace Platform.Web.Services;

/// <summary>
/// One SignalR connection per Blazor circuit to the API's /hubs/progress, authenticated with the user's API key.
/// The connection joins the team feed (status, progress); <see cref="SubscribeAsync"/> adds a run's metric points.
/// Components subscribe to the events and call InvokeAsync(StateHasChanged).
/// </summary>
public sealed class ProgressFeed(IOptions<PlatformApiOptions> options, PlatformApiClient api, ILogger<ProgressFeed> logger) : IAsyncDisposable
{
    private HubConnection? _hub;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<Guid> _subscriptions = [];

    public event Action<RunDto>? Status;
    public event Action<ProgressMessage>? Progress;
    public event Action<MetricsMessage>? Metrics;
    /// <summary>Connected, reconnecting or disconnected: shown as the "live" indicator.</summary>
    public event Action? ConnectionChanged;

    public HubConnectionState State => _hub?.State ?? HubConnectionState.Disconnected;
    public bool IsLive => State == HubConnectionState.Connected;

    public async Task EnsureStartedAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_hub is not null) return;
            var key = await api.ApiKeyAsync();
            if (key is null) return;
            var url = new Uri(new Uri(options.Value.BaseUrl), "hubs/progress");
            _hub = new HubConnectionBuilder()
                .WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
                .AddJsonProtocol(o => o.PayloadSerializerOptions = new System.Text.Json.JsonSerializerOptions(PlatformApiClient.Json))
                .WithAutomaticReconnect()
                .Build();
            _hub.On<RunDto>("status", s => Status?.Invoke(s));
            _hub.On<ProgressMessage>("progress", p => Progress?.Invoke(p));
            _hub.On<MetricsMessage>("metrics", m => Metrics?.Invoke(m));
            _hub.Reconnecting += _ => { ConnectionChanged?.Invoke(); return Task.CompletedTask; };
            _hub.Reconnected += async _ =>
            {
                foreach (var id in _subscriptions.ToArray())
                    try { await _hub.InvokeAsync("Subscribe", id); } catch (Exception ex) { logger.LogDebug(ex, "Resubscribe failed"); }
                ConnectionChanged?.Invoke();
            };
            _hub.Closed += _ => { ConnectionChanged?.Invoke(); return Task.CompletedTask; };
            try
            {
                await _hub.StartAsync();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not connect to the progress hub at {Url}", url);
            }
            ConnectionChanged?.Invoke();
        }
        finally { _gate.Release(); }
    }

    public async Task SubscribeAsync(Guid runId)
    {
        await EnsureStartedAsync();
        _subscriptions.Add(runId);
        if (_hub?.State == HubConnectionState.Connected)
            try { await _hub.InvokeAsync("Subscribe", runId); }
            catch (Exception ex) { logger.LogWarning(ex, "Subscribe to run {RunId} failed", runId); }
    }

    public async Task UnsubscribeAsync(Guid runId)
    {
        _subscriptions.Remove(runId);
        if (_hub?.State == HubConnectionState.Connected)
            try { await _hub.InvokeAsync("Unsubscribe", runId); } catch (Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null) await _hub.DisposeAsync();
        _gate.Dispose();
    }
}
