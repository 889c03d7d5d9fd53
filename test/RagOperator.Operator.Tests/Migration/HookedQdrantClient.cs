using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Operator.Tests.Migration;

/// <summary>
/// Wraps a real client to record the calls the migration makes and to run test code around them, for example a
/// router write landing between the copier's version read and its upsert.
/// </summary>
internal sealed class HookedQdrantClient(IQdrantClient inner) : IQdrantClient
{
    public ConcurrentQueue<string> Log { get; } = new();

    public Func<ScrollRequest, ScrollResult, Task>? AfterScroll { get; set; }

    public Func<IReadOnlyList<PointStruct>, Filter?, Task>? BeforeUpsert { get; set; }

    public Func<Filter, Task>? BeforeDeleteByFilter { get; set; }

    /// <summary>Points sent in upserts, in order.</summary>
    public ConcurrentQueue<PointId> Upserted { get; } = new();

    public Uri BaseUri => inner.BaseUri;

    public async Task<ScrollResult> ScrollAsync(string collection, ScrollRequest request, CancellationToken cancellationToken = default)
    {
        var kind = request.Filter?.Must is [HasIdCondition, ..] ? "versions" : "scroll";
        Log.Enqueue($"{kind}-start {request.Offset?.ToString() ?? "-"}");
        var result = await inner.ScrollAsync(collection, request, cancellationToken);
        Log.Enqueue($"{kind}-end {request.Offset?.ToString() ?? "-"}");
        if (AfterScroll is { } hook) await hook(request, result);
        return result;
    }

    public async Task<UpdateResult> UpsertAsync(
        string collection, IReadOnlyList<PointStruct> points, WriteOptions? options = null, Filter? updateFilter = null, CancellationToken cancellationToken = default)
    {
        if (BeforeUpsert is { } hook) await hook(points, updateFilter);
        Log.Enqueue($"upsert-start {points[0].Id}");
        foreach (var point in points) Upserted.Enqueue(point.Id);
        var result = await inner.UpsertAsync(collection, points, options, updateFilter, cancellationToken);
        Log.Enqueue($"upsert-end {points[0].Id}");
        return result;
    }

    public async Task<UpdateResult> DeleteByFilterAsync(string collection, Filter filter, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (BeforeDeleteByFilter is { } hook) await hook(filter);
        Log.Enqueue("delete-by-filter");
        return await inner.DeleteByFilterAsync(collection, filter, options, cancellationToken);
    }

    public Task CreateCollectionAsync(string collection, CreateCollectionRequest request, CancellationToken cancellationToken = default) =>
        inner.CreateCollectionAsync(collection, request, cancellationToken);

    public Task<CollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        inner.GetCollectionAsync(collection, cancellationToken);

    public Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default) =>
        inner.CollectionExistsAsync(collection, cancellationToken);

    public Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        inner.DeleteCollectionAsync(collection, cancellationToken);

    public Task UpdateCollectionAsync(string collection, UpdateCollectionRequest request, CancellationToken cancellationToken = default) =>
        inner.UpdateCollectionAsync(collection, request, cancellationToken);

    public Task<UpdateResult> CreatePayloadIndexAsync(
        string collection, string fieldName, PayloadSchemaType schema, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.CreatePayloadIndexAsync(collection, fieldName, schema, options, cancellationToken);

    public Task<IReadOnlyList<RetrievedPoint>> RetrieveAsync(
        string collection, IReadOnlyList<PointId> ids, bool withPayload = true, bool withVector = false, CancellationToken cancellationToken = default) =>
        inner.RetrieveAsync(collection, ids, withPayload, withVector, cancellationToken);

    public Task<UpdateResult> DeleteAsync(string collection, IReadOnlyList<PointId> ids, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(collection, ids, options, cancellationToken);

    public Task<ulong> CountAsync(string collection, Filter? filter = null, CancellationToken cancellationToken = default) =>
        inner.CountAsync(collection, filter, cancellationToken);

    public Task<IReadOnlyList<ScoredPoint>> SearchAsync(string collection, SearchRequest request, CancellationToken cancellationToken = default) =>
        inner.SearchAsync(collection, request, cancellationToken);

    public Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchBatchAsync(
        string collection, IReadOnlyList<SearchRequest> requests, CancellationToken cancellationToken = default) =>
        inner.SearchBatchAsync(collection, requests, cancellationToken);

    public Task<QueryResponse> QueryAsync(string collection, QueryRequest request, CancellationToken cancellationToken = default) =>
        inner.QueryAsync(collection, request, cancellationToken);

    public Task<UpdateResult> SetPayloadAsync(
        string collection, JsonObject payload, IReadOnlyList<PointId>? ids, Filter? filter = null, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.SetPayloadAsync(collection, payload, ids, filter, options, cancellationToken);

    public Task<G.QueryResponse> QueryAsync(G.QueryPoints request, CancellationToken cancellationToken = default) => inner.QueryAsync(request, cancellationToken);

    public Task<G.QueryBatchResponse> QueryBatchAsync(G.QueryBatchPoints request, CancellationToken cancellationToken = default) =>
        inner.QueryBatchAsync(request, cancellationToken);

    public Task<G.ScrollResponse> ScrollAsync(G.ScrollPoints request, CancellationToken cancellationToken = default) => inner.ScrollAsync(request, cancellationToken);

    public Task<G.CountResponse> CountAsync(G.CountPoints request, CancellationToken cancellationToken = default) => inner.CountAsync(request, cancellationToken);

    public Task<G.PointsOperationResponse> DeleteAsync(G.DeletePoints request, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(request, cancellationToken);

    public Task<G.PointsOperationResponse> SetPayloadAsync(G.SetPayloadPoints request, CancellationToken cancellationToken = default) =>
        inner.SetPayloadAsync(request, cancellationToken);

    public Task<G.PointsOperationResponse> DeletePayloadAsync(G.DeletePayloadPoints request, CancellationToken cancellationToken = default) =>
        inner.DeletePayloadAsync(request, cancellationToken);

    public Task<G.GetCollectionInfoResponse> GetCollectionInfoAsync(G.GetCollectionInfoRequest request, CancellationToken cancellationToken = default) =>
        inner.GetCollectionInfoAsync(request, cancellationToken);
}
