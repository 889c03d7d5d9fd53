using System.Text.Json.Nodes;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Qdrant;

/// <summary>
/// The Qdrant operations this project uses on points and collections, against one shard (one Qdrant service). Failures raise
/// <see cref="QdrantException"/>; transient ones have already been retried when they surface.
/// </summary>
public interface IQdrantClient
{
    /// <summary>The shard's base URI.</summary>
    Uri BaseUri { get; }

    // Collections

    /// <summary>
    /// Creates the collection. An existing collection is a conflict (<see cref="QdrantException.IsConflict"/>);
    /// after a transient failure the retry may meet the collection the lost attempt created, so callers that
    /// ensure a collection treat a conflict as success and compare the settings.
    /// </summary>
    Task CreateCollectionAsync(string collection, CreateCollectionRequest request, CancellationToken cancellationToken = default);

    Task<CollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default);

    Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>Returns false when the collection did not exist.</summary>
    Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>Changes HNSW, quantization, optimizer or replication parameters.</summary>
    Task UpdateCollectionAsync(string collection, UpdateCollectionRequest request, CancellationToken cancellationToken = default);

    Task<UpdateResult> CreatePayloadIndexAsync(
        string collection, string fieldName, PayloadSchemaType schema, WriteOptions? options = null, CancellationToken cancellationToken = default);

    // Points
    /// <summary>
    /// Inserts or replaces points. With <paramref name="updateFilter"/>, an existing point is replaced only when it
    /// matches the filter (e.g. its stored version is older); points that do not exist yet are always inserted.
    /// </summary>
    Task<UpdateResult> UpsertAsync(
        string collection, IReadOnlyList<PointStruct> points, WriteOptions? options = null, Filter? updateFilter = null,
        CancellationToken cancellationToken = default);

    /// <summary>Points that exist among <paramref name="ids"/>; missing ids are skipped.</summary>
    Task<IReadOnlyList<RetrievedPoint>> RetrieveAsync(
        string collection, IReadOnlyList<PointId> ids, bool withPayload = true, bool withVector = false, CancellationToken cancellationToken = default);

    Task<ScrollResult> ScrollAsync(string collection, ScrollRequest request, CancellationToken cancellationToken = default);

    Task<UpdateResult> DeleteAsync(
        string collection, IReadOnlyList<PointId> ids, WriteOptions? options = null, CancellationToken cancellationToken = default);

    Task<UpdateResult> DeleteByFilterAsync(
        string collection, Filter filter, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Exact count of the points matching <paramref name="filter"/> (all points when null).</summary>
    Task<ulong> CountAsync(string collection, Filter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>Nearest neighbours, through Qdrant's query call (its search call is deprecated upstream).</summary>
    Task<IReadOnlyList<ScoredPoint>> SearchAsync(string collection, SearchRequest request, CancellationToken cancellationToken = default);

    /// <summary>Several searches in one round trip (a query batch); results in request order.</summary>
    Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchBatchAsync(
        string collection, IReadOnlyList<SearchRequest> requests, CancellationToken cancellationToken = default);

    Task<QueryResponse> QueryAsync(string collection, QueryRequest request, CancellationToken cancellationToken = default);

    /// <summary>Merges <paramref name="payload"/> into the selected points (by ids, or by filter when ids is null).</summary>
    Task<UpdateResult> SetPayloadAsync(
        string collection, JsonObject payload, IReadOnlyList<PointId>? ids, Filter? filter = null,
        WriteOptions? options = null, CancellationToken cancellationToken = default);

    // Applications' requests in Qdrant's own messages, sent as given (the router's Qdrant-compatible face adds its
    // routing filters to them and merges the shards' answers).

    Task<G.QueryResponse> QueryAsync(G.QueryPoints request, CancellationToken cancellationToken = default);

    Task<G.QueryBatchResponse> QueryBatchAsync(G.QueryBatchPoints request, CancellationToken cancellationToken = default);

    Task<G.ScrollResponse> ScrollAsync(G.ScrollPoints request, CancellationToken cancellationToken = default);

    Task<G.CountResponse> CountAsync(G.CountPoints request, CancellationToken cancellationToken = default);

    Task<G.PointsOperationResponse> DeleteAsync(G.DeletePoints request, CancellationToken cancellationToken = default);

    Task<G.PointsOperationResponse> SetPayloadAsync(G.SetPayloadPoints request, CancellationToken cancellationToken = default);

    Task<G.PointsOperationResponse> DeletePayloadAsync(G.DeletePayloadPoints request, CancellationToken cancellationToken = default);

    Task<G.GetCollectionInfoResponse> GetCollectionInfoAsync(G.GetCollectionInfoRequest request, CancellationToken cancellationToken = default);
}
