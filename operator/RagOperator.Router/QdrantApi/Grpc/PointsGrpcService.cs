using System.Diagnostics;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Grpc;

/// <summary>
/// <c>qdrant.Points</c> for the router's collection, over <see cref="QdrantFace"/>. Methods not bound here (discovery,
/// recommendation, facets, distance matrices, vector updates) answer <c>Unimplemented</c>; payload replacement and
/// payload indexes answer with the reason they are refused.
/// </summary>
[BindServiceMethod(typeof(PointsGrpcService), nameof(BindService))]
public class PointsGrpcService(QdrantFace face)
{
    private const string Service = "qdrant.Points";

    /// <summary>Grpc.AspNetCore calls this with no instance to learn the methods, then calls the method named like each RPC.</summary>
    public static void BindService(ServiceBinderBase binder, PointsGrpcService? service)
    {
        binder.AddMethod(QdrantGrpcMethods.Unary<G.UpsertPoints, G.PointsOperationResponse>(Service, "Upsert"), service is null ? null : service.Upsert);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.DeletePoints, G.PointsOperationResponse>(Service, "Delete"), service is null ? null : service.Delete);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.GetPoints, G.GetResponse>(Service, "Get"), service is null ? null : service.Get);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.SetPayloadPoints, G.PointsOperationResponse>(Service, "SetPayload"), service is null ? null : service.SetPayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.SetPayloadPoints, G.PointsOperationResponse>(Service, "OverwritePayload"), service is null ? null : service.OverwritePayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.DeletePayloadPoints, G.PointsOperationResponse>(Service, "DeletePayload"), service is null ? null : service.DeletePayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.ClearPayloadPoints, G.PointsOperationResponse>(Service, "ClearPayload"), service is null ? null : service.ClearPayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.CreateFieldIndexCollection, G.PointsOperationResponse>(Service, "CreateFieldIndex"), service is null ? null : service.CreateFieldIndex);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.DeleteFieldIndexCollection, G.PointsOperationResponse>(Service, "DeleteFieldIndex"), service is null ? null : service.DeleteFieldIndex);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.SearchPoints, G.SearchResponse>(Service, "Search"), service is null ? null : service.Search);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.SearchBatchPoints, G.SearchBatchResponse>(Service, "SearchBatch"), service is null ? null : service.SearchBatch);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.QueryPoints, G.QueryResponse>(Service, "Query"), service is null ? null : service.Query);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.QueryBatchPoints, G.QueryBatchResponse>(Service, "QueryBatch"), service is null ? null : service.QueryBatch);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.ScrollPoints, G.ScrollResponse>(Service, "Scroll"), service is null ? null : service.Scroll);
        binder.AddMethod(QdrantGrpcMethods.Unary<G.CountPoints, G.CountResponse>(Service, "Count"), service is null ? null : service.Count);
    }

    public virtual Task<G.PointsOperationResponse> Upsert(G.UpsertPoints request, ServerCallContext context) =>
        Write(context, "qdrant_upsert", request.CollectionName, table => face.Writes.UpsertAsync(table, request));

    public virtual Task<G.PointsOperationResponse> Delete(G.DeletePoints request, ServerCallContext context) =>
        Write(context, "qdrant_delete", request.CollectionName, table => face.Writes.DeleteAsync(table, request));

    public virtual Task<G.PointsOperationResponse> SetPayload(G.SetPayloadPoints request, ServerCallContext context) =>
        Write(context, "qdrant_set_payload", request.CollectionName, table => face.Writes.SetPayloadAsync(table, request));

    public virtual Task<G.PointsOperationResponse> DeletePayload(G.DeletePayloadPoints request, ServerCallContext context) =>
        Write(context, "qdrant_delete_payload", request.CollectionName, table => face.Writes.DeletePayloadAsync(table, request));

    public virtual Task<G.PointsOperationResponse> OverwritePayload(G.SetPayloadPoints request, ServerCallContext context) =>
        Write(context, "qdrant_overwrite_payload", request.CollectionName, _ => throw QdrantWrites.PayloadReplacementRefused("overwrite_payload"));

    public virtual Task<G.PointsOperationResponse> ClearPayload(G.ClearPayloadPoints request, ServerCallContext context) =>
        Write(context, "qdrant_clear_payload", request.CollectionName, _ => throw QdrantWrites.PayloadReplacementRefused("clear_payload"));

    public virtual Task<G.PointsOperationResponse> CreateFieldIndex(G.CreateFieldIndexCollection request, ServerCallContext context) =>
        Write(context, "qdrant_create_field_index", request.CollectionName, _ => throw IndexesRefused("create_field_index"));

    public virtual Task<G.PointsOperationResponse> DeleteFieldIndex(G.DeleteFieldIndexCollection request, ServerCallContext context) =>
        Write(context, "qdrant_delete_field_index", request.CollectionName, _ => throw IndexesRefused("delete_field_index"));

    public virtual Task<G.GetResponse> Get(G.GetPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_get", request.CollectionName, async table =>
            new G.GetResponse { Result = { await face.Reads.GetAsync(table, request, context.CancellationToken) } }, (r, s) => r.Time = s);

    public virtual Task<G.SearchResponse> Search(G.SearchPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_search", request.CollectionName, async table =>
            new G.SearchResponse { Result = { await face.Reads.SearchAsync(table, request, Nprobe(context), context.CancellationToken) } }, (r, s) => r.Time = s);

    public virtual Task<G.SearchBatchResponse> SearchBatch(G.SearchBatchPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_search_batch", request.CollectionName, async table =>
            new G.SearchBatchResponse { Result = { Batches(await face.Reads.SearchBatchAsync(table, request, Nprobe(context), context.CancellationToken)) } },
            (r, s) => r.Time = s);

    public virtual Task<G.QueryResponse> Query(G.QueryPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_query", request.CollectionName, async table =>
            new G.QueryResponse { Result = { await face.Reads.QueryAsync(table, request, Nprobe(context), context.CancellationToken) } }, (r, s) => r.Time = s);

    public virtual Task<G.QueryBatchResponse> QueryBatch(G.QueryBatchPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_query_batch", request.CollectionName, async table =>
            new G.QueryBatchResponse { Result = { Batches(await face.Reads.QueryBatchAsync(table, request, Nprobe(context), context.CancellationToken)) } },
            (r, s) => r.Time = s);

    public virtual Task<G.ScrollResponse> Scroll(G.ScrollPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_scroll", request.CollectionName, table => face.Reads.ScrollAsync(table, request, context.CancellationToken), (r, s) => r.Time = s);

    public virtual Task<G.CountResponse> Count(G.CountPoints request, ServerCallContext context) =>
        Timed(context, "qdrant_count", request.CollectionName, async table =>
            new G.CountResponse { Result = new G.CountResult { Count = await face.Reads.CountAsync(table, request, context.CancellationToken) } }, (r, s) => r.Time = s);

    /// <summary>A call whose answer carries Qdrant's <c>time</c> field: the seconds the router spent on it.</summary>
    private Task<T> Timed<T>(ServerCallContext context, string endpoint, string collection, Func<Routing.RoutingTable, Task<T>> call, Action<T, double> time) =>
        Run(context, endpoint, collection, async table =>
        {
            var started = Stopwatch.GetTimestamp();
            var response = await call(table);
            time(response, QdrantReads.Seconds(started));
            return response;
        });

    private Task<T> Run<T>(ServerCallContext context, string endpoint, string collection, Func<Routing.RoutingTable, Task<T>> call) =>
        GrpcErrors.AnswerAsync(() => face.RunAsync(context.GetHttpContext(), endpoint, collection, call));

    private Task<G.PointsOperationResponse> Write(
        ServerCallContext context, string endpoint, string collection, Func<Routing.RoutingTable, Task<G.UpdateResult>> call) =>
        Timed(context, endpoint, collection, async table => new G.PointsOperationResponse { Result = await call(table) }, (r, s) => r.Time = s);

    private static int? Nprobe(ServerCallContext context) => QdrantFace.Nprobe(context.GetHttpContext().Request);

    private static IEnumerable<G.BatchResult> Batches(IEnumerable<IReadOnlyList<G.ScoredPoint>> results) =>
        results.Select(points => new G.BatchResult { Result = { points } });

    private Api.RouterRequestException IndexesRefused(string call) => face.Collections.Owned(call, QdrantCollectionView.IndexesInstead);
}
