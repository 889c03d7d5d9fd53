using System.Diagnostics;
using System.Text.Json.Nodes;
using Grpc.Core;
using WriteOptions = RagOperator.Qdrant.Models.WriteOptions;
using Polly;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Grpc;
using RagOperator.Qdrant.Models;
using G = Qdrant.Client.Grpc;
using OfficialClient = Qdrant.Client.QdrantClient;

namespace RagOperator.Qdrant;

/// <summary>
/// One shard's Qdrant: points, collections and a collection's cluster setup over gRPC with the official
/// <c>Qdrant.Client</c> (vectors travel as packed floats), and what Qdrant offers only over REST — <c>/cluster</c>,
/// removing a peer, downloading, uploading and recovering snapshots — through <see cref="QdrantRestClient"/>.
/// Every attempt has a timeout; transient failures are retried with backoff (<see cref="QdrantClientOptions"/>);
/// failures surface as <see cref="QdrantException"/>. Writes default to <c>wait=true</c>, so a returned write is applied.
/// </summary>
public sealed class QdrantShardClient : IQdrantClient, IQdrantAdminClient, IDisposable
{
    private readonly QdrantClientOptions options;
    private readonly OfficialClient official;
    private readonly G.Points.PointsClient points;
    private readonly G.Collections.CollectionsClient collections;
    private readonly G.Snapshots.SnapshotsClient snapshots;
    private readonly QdrantRestClient rest;
    private readonly ResiliencePipeline pipeline;
    private readonly ResiliencePipeline singleAttempt;
    private readonly IDisposable? owned;

    /// <summary>A client over a channel someone else owns (see <see cref="QdrantChannels"/>) and a REST client for the admin calls.</summary>
    public QdrantShardClient(QdrantClientOptions options, CallInvoker invoker, QdrantRestClient rest)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.rest = rest;
        var grpc = new G.QdrantGrpcClient(invoker);
        // No grpc-timeout on the calls: the attempt timeout cancels a call, which resets its HTTP/2 stream, so the shard
        // stops on it all the same, and a deadline costs a timer per call on both sides (measured: 0.12 ms, as much as a
        // small call without one).
        official = new OfficialClient(grpc, grpcTimeout: default, loggerFactory: null);
        points = grpc.Points;
        collections = grpc.Collections;
        snapshots = grpc.Snapshots;
        pipeline = QdrantResilience.Build(options, retry: true);
        singleAttempt = QdrantResilience.Build(options, retry: false);
    }

    /// <summary>
    /// A client that owns its connections (disposed with it) and accepts an https/TLS shard only when
    /// <paramref name="trust"/> validates its certificate; null trusts the system's roots.
    /// </summary>
    public QdrantShardClient(QdrantClientOptions options, Tls.TrustBundle? trust = null)
        : this(options, new OwnedConnections(options, trust))
    {
    }

    private QdrantShardClient(QdrantClientOptions options, OwnedConnections connections)
        : this(options, connections.Channels.Invoker(options.GrpcUri ?? QdrantClientOptions.DefaultGrpcAddress(options.BaseUri), options.ApiKey), connections.Rest)
    {
        owned = connections;
    }

    public Uri BaseUri => rest.BaseUri;

    public void Dispose() => owned?.Dispose();

    // ---- Collections ----

    public Task CreateCollectionAsync(string collection, CreateCollectionRequest request, CancellationToken cancellationToken = default)
    {
        var create = GrpcCollectionMapping.ToGrpc(collection, request);
        return CallAsync("create_collection", create, async (c, r, ct) => { await c.official.CreateCollectionAsync(r, ct); return true; }, cancellationToken);
    }

    public Task<CollectionInfo> GetCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        CallAsync("get_collection", collection,
            async (c, name, ct) => GrpcCollectionMapping.FromGrpc(await c.official.GetCollectionInfoAsync(name, ct)), cancellationToken);

    public Task<bool> CollectionExistsAsync(string collection, CancellationToken cancellationToken = default) =>
        CallAsync("collection_exists", collection, (c, name, ct) => c.official.CollectionExistsAsync(name, ct), cancellationToken);

    public Task<bool> DeleteCollectionAsync(string collection, CancellationToken cancellationToken = default) =>
        // The generated client, not the friendly one: Qdrant answers `false` for a collection that did not exist.
        CallAsync("delete_collection", new G.DeleteCollection { CollectionName = collection },
            async (c, r, ct) => (await c.collections.DeleteAsync(r, cancellationToken: ct)).Result, cancellationToken);

    public Task UpdateCollectionAsync(string collection, UpdateCollectionRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("update_collection", GrpcCollectionMapping.ToGrpc(collection, request),
            async (c, r, ct) => (await c.collections.UpdateAsync(r, cancellationToken: ct)).Result, cancellationToken);

    public Task<UpdateResult> CreatePayloadIndexAsync(
        string collection, string fieldName, PayloadSchemaType schema, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var write = options ?? WriteOptions.Default;
        return CallAsync("create_payload_index", (collection, fieldName, schema, write),
            async (c, r, ct) => GrpcMapping.FromGrpc(await c.official.CreatePayloadIndexAsync(
                r.collection, r.fieldName, GrpcCollectionMapping.ToGrpc(r.schema), indexParams: null, r.write.Wait,
                OrderingType(r.write.Ordering), ct)),
            cancellationToken);
    }

    // ---- Points ----

    public Task<UpdateResult> UpsertAsync(
        string collection, IReadOnlyList<PointStruct> points, WriteOptions? options = null, Filter? updateFilter = null,
        CancellationToken cancellationToken = default)
    {
        var write = options ?? WriteOptions.Default;
        var grpcPoints = points.Select(GrpcMapping.ToGrpc).ToList();
        var filter = updateFilter is null ? null : GrpcMapping.ToGrpc(updateFilter);
        if (write.UpdateMode is { } mode)
        {
            var request = new G.UpsertPoints { CollectionName = collection, Wait = write.Wait, Points = { grpcPoints }, UpdateMode = GrpcMapping.ToGrpc(mode) };
            if (filter is not null) request.UpdateFilter = filter;
            if (GrpcMapping.ToGrpc(write.Ordering) is { } ordering) request.Ordering = ordering;
            return CallAsync("upsert_points", request, async (c, r, ct) => GrpcMapping.FromGrpc(await c.official.UpsertAsync(r, ct)), cancellationToken);
        }

        // The update_filter overload: an existing point is replaced only when it matches (e.g. its stored version is older).
        return CallAsync("upsert_points", (collection, grpcPoints, filter, write),
            async (c, r, ct) => GrpcMapping.FromGrpc(await c.official.UpsertAsync(
                r.collection, r.grpcPoints, r.filter, r.write.Wait, OrderingType(r.write.Ordering), shardKeySelector: null, ct)),
            cancellationToken);
    }

    public Task<IReadOnlyList<RetrievedPoint>> RetrieveAsync(
        string collection, IReadOnlyList<PointId> ids, bool withPayload = true, bool withVector = false, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<G.PointId> grpcIds = ids.Select(GrpcMapping.ToGrpc).ToList();
        return CallAsync("retrieve_points", (collection, grpcIds, withPayload, withVector),
            async (c, r, ct) => (IReadOnlyList<RetrievedPoint>)(await c.official.RetrieveAsync(
                r.collection, r.grpcIds, r.withPayload, r.withVector, readConsistency: null, shardKeySelector: null, ct)).Select(GrpcMapping.FromGrpc).ToList(),
            cancellationToken);
    }

    public Task<ScrollResult> ScrollAsync(string collection, ScrollRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("scroll_points", (collection, request), async (c, r, ct) =>
        {
            var page = await c.official.ScrollAsync(
                r.collection,
                r.request.Filter is { } filter ? GrpcMapping.ToGrpc(filter) : null,
                (uint)Math.Min(r.request.Limit ?? 10, uint.MaxValue),
                r.request.Offset is { } offset ? GrpcMapping.ToGrpc(offset) : null,
                GrpcMapping.ToGrpc(r.request.WithPayload ?? PayloadSelector.All),
                GrpcMapping.WithVectors(r.request.WithVector ?? false),
                readConsistency: null, shardKeySelector: null, orderBy: null, ct);
            return new ScrollResult
            {
                Points = page.Result.Select(GrpcMapping.FromGrpc).ToList(),
                NextPageOffset = page.NextPageOffset is { } next ? GrpcMapping.FromGrpc(next) : null,
            };
        }, cancellationToken);

    public Task<UpdateResult> DeleteAsync(
        string collection, IReadOnlyList<PointId> ids, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var write = options ?? WriteOptions.Default;
        IReadOnlyList<G.PointId> grpcIds = ids.Select(GrpcMapping.ToGrpc).ToList();
        return CallAsync("delete_points", (collection, grpcIds, write),
            async (c, r, ct) => GrpcMapping.FromGrpc(await c.official.DeleteAsync(
                r.collection, r.grpcIds, r.write.Wait, OrderingType(r.write.Ordering), shardKeySelector: null, ct)),
            cancellationToken);
    }

    public Task<UpdateResult> DeleteByFilterAsync(
        string collection, Filter filter, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var write = options ?? WriteOptions.Default;
        return CallAsync("delete_points_by_filter", (collection, filter: GrpcMapping.ToGrpc(filter), write),
            async (c, r, ct) => GrpcMapping.FromGrpc(await c.official.DeleteAsync(
                r.collection, r.filter, r.write.Wait, OrderingType(r.write.Ordering), shardKeySelector: null, ct)),
            cancellationToken);
    }

    public Task<ulong> CountAsync(string collection, Filter? filter = null, CancellationToken cancellationToken = default) =>
        CallAsync("count_points", (collection, filter: filter is null ? null : GrpcMapping.ToGrpc(filter)),
            (c, r, ct) => c.official.CountAsync(r.collection, r.filter, exact: true, readConsistency: null, shardKeySelector: null, ct),
            cancellationToken);

    public async Task<IReadOnlyList<ScoredPoint>> SearchAsync(string collection, SearchRequest request, CancellationToken cancellationToken = default) =>
        (await QueryAsync(collection, QueryRequest.From(request), cancellationToken)).Points;

    public Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchBatchAsync(
        string collection, IReadOnlyList<SearchRequest> requests, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<G.QueryPoints> queries = requests.Select(request => GrpcMapping.ToGrpc(collection, QueryRequest.From(request))).ToList();
        return CallAsync("query_points_batch", (collection, queries), async (c, r, ct) =>
        {
            var results = await c.official.QueryBatchAsync(r.collection, r.queries, readConsistency: null, timeout: null, ct);
            return (IReadOnlyList<IReadOnlyList<ScoredPoint>>)results.Select(batch => (IReadOnlyList<ScoredPoint>)batch.Result.Select(GrpcMapping.FromGrpc).ToList()).ToList();
        }, cancellationToken);
    }

    public Task<QueryResponse> QueryAsync(string collection, QueryRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("query_points", GrpcMapping.ToGrpc(collection, request), async (c, q, ct) =>
        {
            var points = await c.official.QueryAsync(
                q.CollectionName, q.Query, prefetch: null, usingVector: null, q.Filter, q.HasScoreThreshold ? q.ScoreThreshold : null, q.Params,
                q.HasLimit ? q.Limit : 10, q.HasOffset ? q.Offset : 0, q.WithPayload, q.WithVectors,
                readConsistency: null, shardKeySelector: null, lookupFrom: null, timeout: null, ct);
            return new QueryResponse { Points = points.Select(GrpcMapping.FromGrpc).ToList() };
        }, cancellationToken);

    public Task<UpdateResult> SetPayloadAsync(
        string collection, JsonObject payload, IReadOnlyList<PointId>? ids, Filter? filter = null,
        WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (ids is null && filter is null)
        {
            throw new ArgumentException("Select the points to update by ids or by filter");
        }

        var write = options ?? WriteOptions.Default;
        IReadOnlyDictionary<string, G.Value> values = payload.ToDictionary(entry => entry.Key, entry => GrpcMapping.ToValue(entry.Value));
        // By ids through a has_id filter: the client's id-list overloads take numbers or UUIDs, not a mix of both.
        var selection = ids is null ? filter! : filter is null ? Filter.All(Conditions.HasId(ids)) : filter.AndMust(Conditions.HasId(ids));
        return CallAsync("set_payload", (collection, values, filter: GrpcMapping.ToGrpc(selection), write), async (c, r, ct) => GrpcMapping.FromGrpc(
            await c.official.SetPayloadAsync(r.collection, r.values, r.filter, r.write.Wait, OrderingType(r.write.Ordering), shardKeySelector: null, key: null, ct)),
            cancellationToken);
    }

    // ---- Requests passed through as Qdrant's messages ----

    public Task<G.QueryResponse> QueryAsync(G.QueryPoints request, CancellationToken cancellationToken = default) =>
        CallAsync("query_points", request, async (c, r, ct) => await c.points.QueryAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.QueryBatchResponse> QueryBatchAsync(G.QueryBatchPoints request, CancellationToken cancellationToken = default) =>
        CallAsync("query_points_batch", request, async (c, r, ct) => await c.points.QueryBatchAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.ScrollResponse> ScrollAsync(G.ScrollPoints request, CancellationToken cancellationToken = default) =>
        CallAsync("scroll_points", request, async (c, r, ct) => await c.points.ScrollAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.CountResponse> CountAsync(G.CountPoints request, CancellationToken cancellationToken = default) =>
        CallAsync("count_points", request, async (c, r, ct) => await c.points.CountAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.PointsOperationResponse> DeleteAsync(G.DeletePoints request, CancellationToken cancellationToken = default) =>
        CallAsync("delete_points", request, async (c, r, ct) => await c.points.DeleteAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.PointsOperationResponse> SetPayloadAsync(G.SetPayloadPoints request, CancellationToken cancellationToken = default) =>
        CallAsync("set_payload", request, async (c, r, ct) => await c.points.SetPayloadAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.PointsOperationResponse> DeletePayloadAsync(G.DeletePayloadPoints request, CancellationToken cancellationToken = default) =>
        CallAsync("delete_payload", request, async (c, r, ct) => await c.points.DeletePayloadAsync(r, cancellationToken: ct), cancellationToken);

    public Task<G.GetCollectionInfoResponse> GetCollectionInfoAsync(G.GetCollectionInfoRequest request, CancellationToken cancellationToken = default) =>
        CallAsync("get_collection", request, async (c, r, ct) => await c.collections.GetAsync(r, cancellationToken: ct), cancellationToken);

    // ---- A collection's cluster setup ----

    public Task<CollectionClusterInfo> GetCollectionClusterInfoAsync(string collection, CancellationToken cancellationToken = default) =>
        CallAsync("get_collection_cluster", new G.CollectionClusterInfoRequest { CollectionName = collection },
            async (c, r, ct) => GrpcCollectionMapping.FromGrpc(await c.collections.CollectionClusterInfoAsync(r, cancellationToken: ct)), cancellationToken);

    public Task ReplicateShardAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, ShardTransferMethod? method = null, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync("replicate_shard", new G.UpdateCollectionClusterSetupRequest
        {
            CollectionName = collection, ReplicateShard = GrpcCollectionMapping.Replicate(shardId, fromPeerId, toPeerId, method),
        }, cancellationToken);

    public Task MoveShardAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, ShardTransferMethod? method = null, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync("move_shard", new G.UpdateCollectionClusterSetupRequest
        {
            CollectionName = collection, MoveShard = GrpcCollectionMapping.Move(shardId, fromPeerId, toPeerId, method),
        }, cancellationToken);

    public Task AbortTransferAsync(string collection, uint shardId, ulong fromPeerId, ulong toPeerId, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync("abort_transfer", new G.UpdateCollectionClusterSetupRequest
        {
            CollectionName = collection,
            AbortTransfer = new G.AbortShardTransfer { ShardId = shardId, FromPeerId = fromPeerId, ToPeerId = toPeerId },
        }, cancellationToken);

    public Task DropReplicaAsync(string collection, uint shardId, ulong peerId, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync("drop_replica", new G.UpdateCollectionClusterSetupRequest
        {
            CollectionName = collection, DropReplica = new G.Replica { ShardId = shardId, PeerId = peerId },
        }, cancellationToken);

    // ---- Cluster, peers and snapshots: REST only in Qdrant ----

    public Task<ClusterStatus> GetClusterStatusAsync(CancellationToken cancellationToken = default) => rest.GetClusterStatusAsync(cancellationToken);

    public Task RemovePeerAsync(ulong peerId, bool force = false, CancellationToken cancellationToken = default) =>
        rest.RemovePeerAsync(peerId, force, cancellationToken);

    /// <summary>One attempt: a retry after a lost answer would make a second snapshot.</summary>
    public Task<SnapshotDescription> CreateSnapshotAsync(string collection, CancellationToken cancellationToken = default) =>
        CallAsync("create_snapshot", new G.CreateSnapshotRequest { CollectionName = collection },
            async (c, r, ct) => GrpcCollectionMapping.FromGrpc((await c.snapshots.CreateAsync(r, cancellationToken: ct)).SnapshotDescription),
            cancellationToken, retry: false);

    public Task<IReadOnlyList<SnapshotDescription>> ListSnapshotsAsync(string collection, CancellationToken cancellationToken = default) =>
        CallAsync("list_snapshots", new G.ListSnapshotsRequest { CollectionName = collection },
            async (c, r, ct) => (IReadOnlyList<SnapshotDescription>)(await c.snapshots.ListAsync(r, cancellationToken: ct)).SnapshotDescriptions
                .Select(GrpcCollectionMapping.FromGrpc).ToList(),
            cancellationToken);

    public Task<byte[]> DownloadSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        rest.DownloadSnapshotAsync(collection, snapshotName, cancellationToken);

    public Task<Stream> OpenSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        rest.OpenSnapshotAsync(collection, snapshotName, cancellationToken);

    public Task UploadSnapshotStreamAsync(
        string collection, Stream content, string? checksum = null, SnapshotPriority? priority = null, CancellationToken cancellationToken = default) =>
        rest.UploadSnapshotStreamAsync(collection, content, checksum, priority, cancellationToken);

    public Task<bool> DeleteSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        CallAsync("delete_snapshot", new G.DeleteSnapshotRequest { CollectionName = collection, SnapshotName = snapshotName },
            async (c, r, ct) => { await c.snapshots.DeleteAsync(r, cancellationToken: ct); return true; }, cancellationToken);

    public Uri SnapshotUri(string collection, string snapshotName) => rest.SnapshotUri(collection, snapshotName);

    public Task RecoverSnapshotAsync(string collection, SnapshotRecoverRequest request, CancellationToken cancellationToken = default) =>
        rest.RecoverSnapshotAsync(collection, request, cancellationToken);

    public Task UploadSnapshotAsync(
        string collection, byte[] snapshot, string? checksum = null, SnapshotPriority? priority = null, CancellationToken cancellationToken = default) =>
        rest.UploadSnapshotAsync(collection, snapshot, checksum, priority, cancellationToken);

    // ---- Plumbing ----

    private static G.WriteOrderingType? OrderingType(WriteOrdering? ordering) => GrpcMapping.ToGrpc(ordering)?.Type;

    /// <summary>One attempt only: a repeated replicate or move would be refused as already under way.</summary>
    private Task ChangeClusterAsync(string operation, G.UpdateCollectionClusterSetupRequest request, CancellationToken cancellationToken) =>
        CallAsync(operation, request, async (c, r, ct) => (await c.collections.UpdateCollectionClusterSetupAsync(r, cancellationToken: ct)).Result,
            cancellationToken, retry: false);

    private Task<T> CallAsync<T, TRequest>(
        string operation, TRequest request, Func<QdrantShardClient, TRequest, CancellationToken, Task<T>> call, CancellationToken cancellationToken,
        bool retry = true) =>
        QdrantResilience.ExecuteAsync(retry ? pipeline : singleAttempt, options, operation, (client: this, operation, request, call), static async (state, attemptToken) =>
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = "success";
            try
            {
                return await state.call(state.client, state.request, attemptToken);
            }
            catch (RpcException error)
            {
                var failure = QdrantException.FromRpc(state.operation, state.client.BaseUri, error);
                outcome = failure.StatusCode is null ? "unreachable" : failure.IsTransient ? "server_error" : "client_error";
                throw failure;
            }
            catch (OperationCanceledException)
            {
                outcome = attemptToken.IsCancellationRequested ? "canceled" : "timeout";
                throw;
            }
            finally
            {
                QdrantMetrics.Record(state.operation, outcome, state.client.BaseUri.Authority, Stopwatch.GetElapsedTime(started));
            }
        }, cancellationToken);

    /// <summary>The connections of a client made without a factory: its own channel and REST pool.</summary>
    private sealed class OwnedConnections : IDisposable
    {
        public OwnedConnections(QdrantClientOptions options, Tls.TrustBundle? trust)
        {
            Channels = new QdrantChannels(() => trust?.CreateHandler(QdrantRestClient.PooledConnectionLifetime) ?? new SocketsHttpHandler());
            Rest = new QdrantRestClient(options, trust);
        }

        public QdrantChannels Channels { get; }

        public QdrantRestClient Rest { get; }

        public void Dispose()
        {
            Channels.Dispose();
            Rest.Dispose();
        }
    }
}
