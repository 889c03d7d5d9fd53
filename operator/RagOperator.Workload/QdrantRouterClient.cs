using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using QdrantJson = RagOperator.Qdrant.QdrantJson;
using RagOperator.Qdrant.Grpc;
using Filters = RagOperator.Qdrant.Filters;

namespace RagOperator.Workload;

/// <summary>
/// The workload as a RAG application sends it: the official <c>Qdrant.Client</c> over gRPC to the routers' Qdrant API,
/// one channel per router, calls spread round-robin. The Qdrant API has no partial answers: a search the router cannot
/// complete fails. Status codes are reported as the HTTP codes the router gives the same failures.
/// </summary>
public sealed class QdrantRouterClient : IRouterPayloadClient, IDisposable
{
    private readonly List<GrpcChannel> channels;
    private readonly List<QdrantClient> clients;
    private int next = -1;

    /// <param name="handler">Makes each channel's HTTP handler (e.g. to trust the routers' CA); default: the system's.</param>
    public QdrantRouterClient(IReadOnlyList<Uri> routers, string collection, string? apiKey, Func<HttpMessageHandler>? handler = null)
    {
        Collection = collection;
        channels = [.. routers.Select(router => GrpcChannel.ForAddress(router, new GrpcChannelOptions { HttpHandler = handler?.Invoke() }))];
        clients = [.. channels.Select(channel => new QdrantClient(new QdrantGrpcClient(WithKey(channel, apiKey))))];
    }

    public string Collection { get; }

    public Task<RouterCallResult> UpsertAsync(IReadOnlyList<RouterPoint> points, CancellationToken cancellationToken = default)
    {
        var structs = points.Select(p =>
        {
            var point = new PointStruct { Id = p.Id, Vectors = p.Vector };
            GrpcMapping.AddPayload(point.Payload, p.Payload);
            return point;
        }).ToList();
        return WriteAsync(client => client.UpsertAsync(Collection, structs, wait: true, cancellationToken: cancellationToken));
    }

    public Task<RouterCallResult> DeleteAsync(IReadOnlyList<ulong> ids, CancellationToken cancellationToken = default) =>
        WriteAsync(client => client.DeleteAsync(Collection, ids, wait: true, cancellationToken: cancellationToken));

    public Task<RouterCallResult> SetPayloadAsync(IReadOnlyList<ulong> ids, JsonObject payload, CancellationToken cancellationToken = default)
    {
        var values = payload.ToDictionary(entry => entry.Key, entry => GrpcMapping.ToValue(entry.Value));
        // By a has_id filter, as Qdrant skips missing points then; a list of ids would fail the call on the first missing one.
        var filter = new Filter { Must = { new Condition { HasId = new HasIdCondition { HasId = { ids.Select(id => new PointId { Num = id }) } } } } };
        return WriteAsync(client => client.SetPayloadAsync(Collection, values, filter, wait: true, cancellationToken: cancellationToken));
    }

    /// <param name="allowPartial">Ignored: the Qdrant API answers whole or fails.</param>
    /// <param name="filter">A Qdrant filter in its JSON form.</param>
    public async Task<RouterSearchResult> SearchAsync(float[] vector, int topK, bool allowPartial = false, JsonObject? filter = null, CancellationToken cancellationToken = default)
    {
        var grpcFilter = filter?.Deserialize<Filters.Filter>(QdrantJson.Options) is { } parsed ? GrpcMapping.ToGrpc(parsed) : null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var hits = await Next().QueryAsync(Collection, vector, filter: grpcFilter, limit: (ulong)topK, payloadSelector: true, cancellationToken: cancellationToken);
            var result = hits.Select(h => new RouterHit(Id(h.Id), h.Score, -1, GrpcMapping.FromGrpc(h.Payload))).ToList();
            return new RouterSearchResult(true, 200, false, result, null, Stopwatch.GetElapsedTime(started));
        }
        catch (RpcException error)
        {
            return new RouterSearchResult(false, HttpStatus(error.StatusCode), false, [], $"{error.StatusCode}: {error.Status.Detail}", Stopwatch.GetElapsedTime(started));
        }
    }

    public void Dispose()
    {
        foreach (var client in clients) client.Dispose();
        foreach (var channel in channels) channel.Dispose();
    }

    private async Task<RouterCallResult> WriteAsync(Func<QdrantClient, Task<UpdateResult>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call(Next());
            return result.Status == UpdateStatus.Completed
                ? new RouterCallResult(true, 200, null, Stopwatch.GetElapsedTime(started))
                : new RouterCallResult(false, 200, $"status {result.Status}, not completed", Stopwatch.GetElapsedTime(started));
        }
        catch (RpcException error)
        {
            return new RouterCallResult(false, HttpStatus(error.StatusCode), $"{error.StatusCode}: {error.Status.Detail}", Stopwatch.GetElapsedTime(started));
        }
    }

    private QdrantClient Next() => clients[(int)((uint)Interlocked.Increment(ref next) % (uint)clients.Count)];

    private static CallInvoker WithKey(GrpcChannel channel, string? apiKey) => apiKey is null
        ? channel.CreateCallInvoker()
        : channel.Intercept(metadata =>
        {
            metadata.Add("api-key", apiKey);
            return metadata;
        });

    private static string Id(PointId id) =>
        id.PointIdOptionsCase == PointId.PointIdOptionsOneofCase.Num ? id.Num.ToString(CultureInfo.InvariantCulture) : id.Uuid;

    /// <summary>0 when no answer came (as the JSON client reports a transport failure).</summary>
    private static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Unavailable => 503,
        StatusCode.DeadlineExceeded => 504,
        StatusCode.Internal => 500,
        _ => 0,
    };
}
