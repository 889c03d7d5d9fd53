using System.Diagnostics;
using Grpc.Core;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Filtering;
using RagOperator.InProcess.Qdrant.Storage;
using static RagOperator.InProcess.Qdrant.Grpc.GrpcTranslation;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>
/// <c>qdrant.Points</c> over the same storage as the REST face: upsert (with <c>update_filter</c> and
/// <c>update_mode</c>), delete by ids or filter, get, set, overwrite, delete (top-level keys only; Qdrant also takes
/// nested paths) and clear payload, search and search batch, query and query batch (see the <c>.Query</c> part),
/// scroll, count, and payload indexes. Points carry the unnamed vector or named dense and sparse vectors. Every other method of the service answers <c>Unimplemented</c>. Like the REST
/// face, writes are applied before the reply whatever <c>wait</c> says.
/// </summary>
[BindServiceMethod(typeof(PointsGrpcService), nameof(BindService))]
internal partial class PointsGrpcService(InProcessQdrantCollections collections)
{
    private const string Service = "qdrant.Points";

    /// <summary>
    /// Grpc.AspNetCore calls this with no instance to learn the methods, then calls the public method named like each
    /// RPC on the instance it resolves from the container.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, PointsGrpcService? service)
    {
        binder.AddMethod(QdrantGrpcMethods.Unary<UpsertPoints, PointsOperationResponse>(Service, "Upsert"), service is null ? null : service.Upsert);
        binder.AddMethod(QdrantGrpcMethods.Unary<DeletePoints, PointsOperationResponse>(Service, "Delete"), service is null ? null : service.Delete);
        binder.AddMethod(QdrantGrpcMethods.Unary<GetPoints, GetResponse>(Service, "Get"), service is null ? null : service.Get);
        binder.AddMethod(QdrantGrpcMethods.Unary<SetPayloadPoints, PointsOperationResponse>(Service, "SetPayload"), service is null ? null : service.SetPayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<SetPayloadPoints, PointsOperationResponse>(Service, "OverwritePayload"), service is null ? null : service.OverwritePayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<DeletePayloadPoints, PointsOperationResponse>(Service, "DeletePayload"), service is null ? null : service.DeletePayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<ClearPayloadPoints, PointsOperationResponse>(Service, "ClearPayload"), service is null ? null : service.ClearPayload);
        binder.AddMethod(QdrantGrpcMethods.Unary<CreateFieldIndexCollection, PointsOperationResponse>(Service, "CreateFieldIndex"), service is null ? null : service.CreateFieldIndex);
        binder.AddMethod(QdrantGrpcMethods.Unary<DeleteFieldIndexCollection, PointsOperationResponse>(Service, "DeleteFieldIndex"), service is null ? null : service.DeleteFieldIndex);
        binder.AddMethod(QdrantGrpcMethods.Unary<SearchPoints, SearchResponse>(Service, "Search"), service is null ? null : service.Search);
        binder.AddMethod(QdrantGrpcMethods.Unary<SearchBatchPoints, SearchBatchResponse>(Service, "SearchBatch"), service is null ? null : service.SearchBatch);
        binder.AddMethod(QdrantGrpcMethods.Unary<QueryPoints, QueryResponse>(Service, "Query"), service is null ? null : service.Query);
        binder.AddMethod(QdrantGrpcMethods.Unary<QueryBatchPoints, QueryBatchResponse>(Service, "QueryBatch"), service is null ? null : service.QueryBatch);
        binder.AddMethod(QdrantGrpcMethods.Unary<ScrollPoints, ScrollResponse>(Service, "Scroll"), service is null ? null : service.Scroll);
        binder.AddMethod(QdrantGrpcMethods.Unary<CountPoints, CountResponse>(Service, "Count"), service is null ? null : service.Count);
    }

    public virtual Task<PointsOperationResponse> Upsert(UpsertPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        if (request.ShardKeySelector is not null)
        {
            throw QdrantHttpError.Unsupported("Custom shard keys");
        }

        var points = request.Points
            .Select(point => (ToKey(point.Id ?? throw QdrantHttpError.BadInput("Malformed PointStruct: no id")),
                collection.PrepareVectors(ToPointVectors(point.Vectors)), ToPayload(point.Payload)))
            .ToList();
        var mode = request.HasUpdateMode
            ? request.UpdateMode switch
            {
                UpdateMode.InsertOnly => UpsertMode.InsertOnly,
                UpdateMode.UpdateOnly => UpsertMode.UpdateOnly,
                _ => UpsertMode.Upsert,
            }
            : UpsertMode.Upsert;
        var operation = collection.Upsert(points, ToFilter(request.UpdateFilter, "update_filter"), mode);
        return Updated(operation, request.Wait, started);
    }

    public virtual Task<PointsOperationResponse> Delete(DeletePoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        var operation = request.Points?.PointsSelectorOneOfCase switch
        {
            PointsSelector.PointsSelectorOneOfOneofCase.Points => collection.Delete(ToKeys(request.Points.Points.Ids)),
            PointsSelector.PointsSelectorOneOfOneofCase.Filter => collection.DeleteWhere(ToFilter(request.Points.Filter, "filter")!),
            _ => throw QdrantHttpError.BadInput("Malformed PointsSelector: neither points nor filter is set"),
        };
        return Updated(operation, request.Wait, started);
    }

    public virtual Task<GetResponse> Get(GetPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        var payload = ToSelection(request.WithPayload, defaultValue: false);
        var response = new GetResponse();
        response.Result.AddRange(collection.Retrieve(ToKeys(request.Ids), ToWithVector(request.WithVectors)).Select(point => Retrieved(point, payload)));
        response.Time = Seconds(started);
        return Task.FromResult(response);
    }

    public virtual Task<PointsOperationResponse> SetPayload(SetPayloadPoints request, ServerCallContext context) =>
        WritePayload(request, overwrite: false);

    public virtual Task<PointsOperationResponse> OverwritePayload(SetPayloadPoints request, ServerCallContext context) =>
        WritePayload(request, overwrite: true);

    public virtual Task<PointsOperationResponse> DeletePayload(DeletePayloadPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        var (ids, filter) = Selection(request.PointsSelector);
        return Updated(collection.DeletePayload(ids, filter, request.Keys.ToHashSet(StringComparer.Ordinal)), request.Wait, started);
    }

    public virtual Task<PointsOperationResponse> ClearPayload(ClearPayloadPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        var (ids, filter) = Selection(request.Points);
        return Updated(collection.SetPayload(ids, filter, PayloadObject.Empty, overwrite: true), request.Wait, started);
    }

    private Task<PointsOperationResponse> WritePayload(SetPayloadPoints request, bool overwrite)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        if (request.HasKey)
        {
            throw QdrantHttpError.Unsupported("Setting a payload under `key`");
        }

        var (ids, filter) = Selection(request.PointsSelector);
        var operation = collection.SetPayload(ids, filter, ToPayload(request.Payload), overwrite);
        return Updated(operation, request.Wait, started);
    }

    /// <summary>The points a payload change applies to: by ids or by filter.</summary>
    private static (IReadOnlyCollection<PointKey>? Ids, FilterNode? Filter) Selection(PointsSelector? selector)
    {
        IReadOnlyCollection<PointKey>? ids = selector?.PointsSelectorOneOfCase == PointsSelector.PointsSelectorOneOfOneofCase.Points
            ? ToKeys(selector.Points.Ids).ToHashSet()
            : null;
        var filter = selector?.PointsSelectorOneOfCase == PointsSelector.PointsSelectorOneOfOneofCase.Filter
            ? ToFilter(selector.Filter, "filter")
            : null;
        return ids is null && filter is null
            ? throw QdrantHttpError.BadInput("Either list of point ids or filter must be provided")
            : (ids, filter);
    }

    public virtual Task<PointsOperationResponse> CreateFieldIndex(CreateFieldIndexCollection request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        if (!request.HasFieldType)
        {
            throw QdrantHttpError.BadInput("Can't auto-detect field type, please specify `field_schema` in the request");
        }

        var dataType = request.FieldType switch
        {
            FieldType.Keyword => "keyword",
            FieldType.Integer => "integer",
            FieldType.Float => "float",
            FieldType.Geo => "geo",
            FieldType.Text => "text",
            FieldType.Bool => "bool",
            FieldType.Datetime => "datetime",
            FieldType.Uuid => "uuid",
            var other => throw QdrantHttpError.BadInput($"Unknown field type {other}"),
        };

        // Index parameters are not kept in this form; the REST face echoes them, this one does not.
        var operation = collection.SetPayloadIndex(request.FieldName, new PayloadIndexSettings(dataType, ParamsJson: null));
        return Updated(operation, request.Wait, started);
    }

    public virtual Task<PointsOperationResponse> DeleteFieldIndex(DeleteFieldIndexCollection request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var operation = Collection(request.CollectionName).SetPayloadIndex(request.FieldName, null);
        return Updated(operation, request.Wait, started);
    }

    // Each response's time is read after its results are in: the initializers run in order.
    public virtual Task<SearchResponse> Search(SearchPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        return Task.FromResult(new SearchResponse { Result = { Scored(collection, SearchPlan(collection, request)) }, Time = Seconds(started) });
    }

    public virtual Task<SearchBatchResponse> SearchBatch(SearchBatchPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);

        // Every search is read first, so one bad search fails the batch before any runs (as over REST).
        var plans = request.SearchPoints.Select(search => SearchPlan(collection, search)).ToList();
        return Task.FromResult(new SearchBatchResponse { Result = { plans.Select(plan => Batch(collection, plan)) }, Time = Seconds(started) });
    }

    public virtual Task<QueryResponse> Query(QueryPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        return Task.FromResult(new QueryResponse { Result = { Scored(collection, QueryPlan(collection, request)) }, Time = Seconds(started) });
    }

    public virtual Task<QueryBatchResponse> QueryBatch(QueryBatchPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        var plans = request.QueryPoints.Select(query => QueryPlan(collection, query)).ToList();
        return Task.FromResult(new QueryBatchResponse { Result = { plans.Select(plan => Batch(collection, plan)) }, Time = Seconds(started) });
    }

    public virtual Task<ScrollResponse> Scroll(ScrollPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var collection = Collection(request.CollectionName);
        if (request.OrderBy is not null)
        {
            throw QdrantHttpError.Unsupported("Scrolling with order_by");
        }

        var limit = request.HasLimit ? request.Limit : 10;
        if (limit == 0)
        {
            throw QdrantHttpError.BadInput("Validation error: limit: value 0 invalid, must be 1 or more");
        }

        PointKey? offset = request.Offset is null ? null : ToKey(request.Offset);
        var (points, next) = collection.Scroll(
            offset, (int)Math.Min(limit, int.MaxValue - 1), ToFilter(request.Filter, "filter"), ToWithVector(request.WithVectors));
        var payload = ToSelection(request.WithPayload, defaultValue: true);
        var response = new ScrollResponse();
        response.Result.AddRange(points.Select(point => Retrieved(point, payload)));
        if (next is { } nextKey)
        {
            response.NextPageOffset = ToPointId(nextKey);
        }

        response.Time = Seconds(started);
        return Task.FromResult(response);
    }

    public virtual Task<CountResponse> Count(CountPoints request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var count = Collection(request.CollectionName).CountWhere(ToFilter(request.Filter, "filter"));
        return Task.FromResult(new CountResponse { Result = new CountResult { Count = (ulong)count }, Time = Seconds(started) });
    }

    private static RetrievedPoint Retrieved(PointView view, PayloadSelection payload)
    {
        var point = new RetrievedPoint { Id = ToPointId(view.Id), Vectors = VectorOutput(view.Vectors) };
        AddPayload(point.Payload, view.Payload, payload);
        return point;
    }

    private static int Clamp(ulong value) => (int)Math.Min(value, int.MaxValue / 2);

    private static Task<PointsOperationResponse> Updated(ulong operation, bool wait, long started) =>
        Task.FromResult(new PointsOperationResponse
        {
            // Every write is applied before the reply; "acknowledged" is what Qdrant says when not asked to wait.
            Result = new UpdateResult { OperationId = operation, Status = wait ? UpdateStatus.Completed : UpdateStatus.Acknowledged },
            Time = Seconds(started),
        });

    private InProcessCollection Collection(string name) => collections.Named(name);

    private static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
}
