using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagOperator.Workload;

/// <summary>A point as clients send it to the retrieval router.</summary>
public sealed record RouterPoint(ulong Id, float[] Vector, JsonObject Payload);

/// <summary>The outcome of one router call: acknowledged or not, with the error text when not.</summary>
public sealed record RouterCallResult(bool Acknowledged, int StatusCode, string? Error, TimeSpan Latency);

public sealed record RouterHit(string Id, double Score, int Shard, JsonObject? Payload);

public sealed record RouterSearchResult(bool Succeeded, int StatusCode, bool Partial, IReadOnlyList<RouterHit> Hits, string? Error, TimeSpan Latency);

/// <summary>Which of the routers' APIs a workload speaks.</summary>
public enum RouterApi
{
    /// <summary>The router's own JSON API (<c>/v1</c>), through <see cref="RouterClient"/>.</summary>
    V1Json,

    /// <summary>Qdrant's gRPC API, through the official client (<see cref="QdrantRouterClient"/>).</summary>
    QdrantGrpc,
}

/// <summary>What a workload sends to a collection's routers: upserts, deletes by id and searches.</summary>
public interface IRouterClient
{
    string Collection { get; }

    Task<RouterCallResult> UpsertAsync(IReadOnlyList<RouterPoint> points, CancellationToken cancellationToken = default);

    Task<RouterCallResult> DeleteAsync(IReadOnlyList<ulong> ids, CancellationToken cancellationToken = default);

    Task<RouterSearchResult> SearchAsync(float[] vector, int topK, bool allowPartial = false, JsonObject? filter = null, CancellationToken cancellationToken = default);
}

/// <summary>A client that can also change the payload of existing points in place (Qdrant's <c>set_payload</c>).</summary>
public interface IRouterPayloadClient : IRouterClient
{
    /// <summary>Merges <paramref name="payload"/> into the points with these ids that exist; missing ids are skipped.</summary>
    Task<RouterCallResult> SetPayloadAsync(IReadOnlyList<ulong> ids, JsonObject payload, CancellationToken cancellationToken = default);
}

/// <summary>
/// A small client of the retrieval router's JSON API (the same requests the README shows with curl), spreading
/// calls round-robin over one or more router replicas.
/// </summary>
public sealed class RouterClient(HttpClient http, IReadOnlyList<Uri> routers, string collection, string? apiKey) : IRouterClient
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private int next = -1;

    public string Collection => collection;

    private Uri NextRouter() => routers[(int)((uint)Interlocked.Increment(ref next) % (uint)routers.Count)];

    private HttpRequestMessage Request(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(NextRouter(), path));
        if (apiKey is not null) request.Headers.Add("api-key", apiKey);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        return request;
    }

    public Task<RouterCallResult> UpsertAsync(IReadOnlyList<RouterPoint> points, CancellationToken cancellationToken = default) =>
        SendWriteAsync(Request(HttpMethod.Put, $"v1/collections/{collection}/points",
            new { points = points.Select(p => new { id = p.Id, vector = p.Vector, payload = p.Payload }).ToList() }), cancellationToken);

    public Task<RouterCallResult> DeleteAsync(IReadOnlyList<ulong> ids, CancellationToken cancellationToken = default) =>
        SendWriteAsync(Request(HttpMethod.Post, $"v1/collections/{collection}/points/delete", new { ids }), cancellationToken);

    private async Task<RouterCallResult> SendWriteAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using (request)
            using (var response = await http.SendAsync(request, cancellationToken))
            {
                var latency = Stopwatch.GetElapsedTime(started);
                if (response.IsSuccessStatusCode) return new RouterCallResult(true, (int)response.StatusCode, null, latency);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                return new RouterCallResult(false, (int)response.StatusCode, text, latency);
            }
        }
        catch (HttpRequestException ex)
        {
            return new RouterCallResult(false, 0, ex.Message, Stopwatch.GetElapsedTime(started));
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new RouterCallResult(false, 0, "timeout: " + ex.Message, Stopwatch.GetElapsedTime(started));
        }
    }

    public async Task<RouterSearchResult> SearchAsync(float[] vector, int topK, bool allowPartial = false, JsonObject? filter = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = Request(HttpMethod.Post, $"v1/collections/{collection}/points/search",
            new { vector, top_k = topK, allow_partial = allowPartial, with_payload = true, filter });
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started);
            if (!response.IsSuccessStatusCode) return new RouterSearchResult(false, (int)response.StatusCode, false, [], text, latency);
            var body = JsonNode.Parse(text)!.AsObject();
            var hits = body["result"]!.AsArray().Select(h => new RouterHit(
                h!["id"]!.ToString(), h["score"]!.GetValue<double>(), h["shard"]?.GetValue<int>() ?? -1, h["payload"] as JsonObject)).ToList();
            var partial = body["partial"]?.GetValue<bool>() ?? false;
            return new RouterSearchResult(!partial, (int)response.StatusCode, partial, hits, partial ? "partial result" : null, latency);
        }
        catch (HttpRequestException ex)
        {
            return new RouterSearchResult(false, 0, false, [], ex.Message, Stopwatch.GetElapsedTime(started));
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new RouterSearchResult(false, 0, false, [], "timeout: " + ex.Message, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The routing version every given router serves (<c>GET /v1/routing</c>).</summary>
    public async Task<IReadOnlyList<long>> ServedVersionsAsync(CancellationToken cancellationToken = default)
    {
        var versions = new List<long>();
        foreach (var router in routers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(router, "v1/routing"));
            if (apiKey is not null) request.Headers.Add("api-key", apiKey);
            using var response = await http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            versions.Add(body["version"]!.GetValue<long>());
        }
        return versions;
    }
}
