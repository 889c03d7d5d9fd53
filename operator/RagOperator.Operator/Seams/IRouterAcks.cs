using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Seams;

/// <summary>What each ready router reports it serves.</summary>
public sealed record RouterAcknowledgements(IReadOnlyList<RouterAck> Routers)
{
    /// <summary>The lowest version every ready router serves; null when a router did not answer or none is ready.</summary>
    public long? MinimumVersion => Routers.Count == 0 || Routers.Any(r => r.Version is null) ? null : Routers.Min(r => r.Version);

    /// <summary>True when every ready router serves at least <paramref name="version"/> (vacuously true with no ready router:
    /// a router that becomes ready later loads the newest table first).</summary>
    public bool AllServe(long version) => Routers.All(r => r.Version >= version);
}

/// <summary>One router's answer: the version it serves, or the error that kept it from answering.</summary>
public sealed record RouterAck(string PodName, long? Version, string? Error);

/// <summary>
/// Asks every ready router which routing version it serves (<c>GET /v1/routing</c> answers
/// <c>{"collection": ..., "version": N, "servedVersion": S, ...}</c>; S ≤ N is the version of the oldest request
/// (write or search) still running, and counts as the acknowledgement), so a migration step can wait until all of them switched.
/// </summary>
public interface IRouterAcks
{
    /// <param name="trust">The collection's CAs when its routers serve TLS (spec.tls); null for clear text.</param>
    Task<RouterAcknowledgements> QueryAsync(string @namespace, string collection, string? routerApiKey, TrustBundle? trust, CancellationToken cancellationToken);

    /// <summary>True when every ready router serves <paramref name="version"/> or newer.</summary>
    async Task<bool> AllReadyRoutersServeAsync(string @namespace, string collection, long version, string? routerApiKey, TrustBundle? trust, CancellationToken cancellationToken) =>
        (await QueryAsync(@namespace, collection, routerApiKey, trust, cancellationToken)).AllServe(version);
}

/// <summary>
/// Queries the routers the resolver names over HTTP(S), in parallel, each with a short timeout. Router pods are
/// addressed by IP, so a TLS router is accepted when its certificate chains to the collection's CA.
/// </summary>
public sealed class HttpRouterAcks(IRouterEndpointResolver resolver, HttpClient http, TimeSpan? timeout = null) : IRouterAcks, IDisposable
{
    private readonly TimeSpan perRouterTimeout = timeout ?? TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<string, HttpClient> trusted = new(StringComparer.Ordinal);

    public async Task<RouterAcknowledgements> QueryAsync(string @namespace, string collection, string? routerApiKey, TrustBundle? trust, CancellationToken cancellationToken)
    {
        var routers = await resolver.ResolveAsync(@namespace, collection, trust is not null, cancellationToken);
        var client = trust is null ? http : trusted.GetOrAdd(trust.Key, _ => new HttpClient(trust.CreateHandler(TimeSpan.FromMinutes(5))) { Timeout = http.Timeout });
        var acks = await Task.WhenAll(routers.Select(r => AskAsync(client, r, collection, routerApiKey, cancellationToken)));
        return new RouterAcknowledgements(acks);
    }

    public void Dispose()
    {
        foreach (var client in trusted.Values) client.Dispose();
    }

    private async Task<RouterAck> AskAsync(HttpClient http, RouterEndpoint router, string collection, string? apiKey, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(perRouterTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router.BaseUri, "v1/routing"));
            if (apiKey is not null) request.Headers.Add("api-key", apiKey);
            using var response = await http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode) return new RouterAck(router.PodName, null, $"HTTP {(int)response.StatusCode}");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
            if (body.TryGetProperty("collection", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() != collection)
                return new RouterAck(router.PodName, null, $"serves collection {name.GetString()}, not {collection}");
            // servedVersion (the lowest version any still-running request was routed by) is what an acknowledgement
            // must mean: no request routed by an older table is in flight. "version" alone is only the newest table.
            return (body.TryGetProperty("servedVersion", out var version) || body.TryGetProperty("version", out version)) && version.TryGetInt64(out var served)
                ? new RouterAck(router.PodName, served, null)
                : new RouterAck(router.PodName, null, "no routing version in the answer");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new RouterAck(router.PodName, null, e.Message);
        }
    }
}
