using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Filtering;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>Point endpoints: upsert, retrieve, get, delete, set payload, scroll, count.</summary>
internal sealed partial class QdrantApi
{
    private async Task UpsertAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        var wait = ReadWait(context);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "PointInsertOperations");
        if (RequestJson.TryGet(body, "shard_key", out _))
        {
            throw QdrantHttpError.Unsupported("Custom shard keys");
        }

        var points = RequestJson.TryGet(body, "batch", out var batch)
            ? ReadBatch(collection, batch)
            : ReadPointsList(collection, RequestJson.Require(body, "points"));
        var updateFilter = FilterCompiler.CompileOptional(body, "update_filter", "update_filter");
        var mode = RequestJson.OptionalString(body, "update_mode") switch
        {
            null or "upsert" => UpsertMode.Upsert,
            "insert_only" => UpsertMode.InsertOnly,
            "update_only" => UpsertMode.UpdateOnly,
            var other => throw QdrantHttpError.Format($"unknown variant `{other}`, expected one of `upsert`, `insert_only`, `update_only`"),
        };

        var operation = collection.Upsert(points, updateFilter, mode);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteUpdateResult(writer, operation, wait));
    }

    private static List<(PointKey, PointVectors, PayloadObject)> ReadPointsList(InProcessCollection collection, JsonElement points)
    {
        if (points.ValueKind != JsonValueKind.Array)
        {
            throw QdrantHttpError.Format($"invalid type: {RequestJson.Describe(points)}, expected a sequence");
        }

        var result = new List<(PointKey, PointVectors, PayloadObject)>(points.GetArrayLength());
        var index = 0;
        foreach (var point in points.EnumerateArray())
        {
            RequestJson.RequireObject(point, "PointStruct");
            var id = PointKey.Read(RequestJson.Require(point, "id"));
            var vectors = RequestJson.ReadPointVectors(RequestJson.Require(point, "vector"), $"points[{index}].vector");
            result.Add((id, collection.PrepareVectors(vectors), ReadPayload(point, "payload")));
            index++;
        }

        return result;
    }

    /// <summary>The batch form: ids, then vectors as one list (the unnamed vector) or a list per vector name.</summary>
    private static List<(PointKey, PointVectors, PayloadObject)> ReadBatch(InProcessCollection collection, JsonElement batch)
    {
        RequestJson.RequireObject(batch, "Batch");
        var ids = RequestJson.ReadIds(RequestJson.Require(batch, "ids"), "ids");
        var vectors = RequestJson.Require(batch, "vectors");
        List<PointVectors> vectorList;
        if (vectors.ValueKind == JsonValueKind.Array)
        {
            vectorList = vectors.EnumerateArray().Select(vector => PointVectors.Unnamed(RequestJson.ReadDenseVector(vector))).ToList();
        }
        else if (vectors.ValueKind == JsonValueKind.Object)
        {
            vectorList = ReadNamedBatch(vectors, ids.Count);
        }
        else
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum BatchVectorStruct");
        }

        var payloads = RequestJson.TryGet(batch, "payloads", out var payloadArray)
            ? payloadArray.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.Null ? PayloadObject.Empty : ReadPayloadObject(p)).ToList()
            : null;
        if (vectorList.Count != ids.Count || (payloads is not null && payloads.Count != ids.Count))
        {
            throw QdrantHttpError.Validation("batch", "number of ids, vectors and payloads must be equal");
        }

        return ids.Select((id, i) => (id, collection.PrepareVectors(vectorList[i]), payloads?[i] ?? PayloadObject.Empty)).ToList();
    }

    private static List<PointVectors> ReadNamedBatch(JsonElement vectors, int count)
    {
        var dense = Enumerable.Range(0, count).Select(_ => new Dictionary<string, float[]>(StringComparer.Ordinal)).ToList();
        var sparse = Enumerable.Range(0, count).Select(_ => new Dictionary<string, SparseVectorValue>(StringComparer.Ordinal)).ToList();
        foreach (var entry in vectors.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.GetArrayLength() != count)
            {
                throw QdrantHttpError.Validation("batch", "number of ids, vectors and payloads must be equal");
            }

            var i = 0;
            foreach (var vector in entry.Value.EnumerateArray())
            {
                if (vector.ValueKind == JsonValueKind.Object)
                {
                    sparse[i][entry.Name] = RequestJson.ReadSparseVector(vector, $"batch.vectors.{entry.Name}[{i}]");
                }
                else
                {
                    dense[i][entry.Name] = RequestJson.ReadDenseVector(vector);
                }

                i++;
            }
        }

        return dense.Zip(sparse, (d, s) => new PointVectors(d, s)).ToList();
    }

    private static PayloadObject ReadPayload(JsonElement parent, string property) =>
        RequestJson.TryGet(parent, property, out var payload) ? ReadPayloadObject(payload) : PayloadObject.Empty;

    private static PayloadObject ReadPayloadObject(JsonElement payload) =>
        payload.ValueKind == JsonValueKind.Object
            ? PayloadObject.FromElement(payload)
            : throw QdrantHttpError.Format($"invalid type: {RequestJson.Describe(payload)}, expected a map");

    private async Task RetrieveAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "PointRequest");
        var ids = RequestJson.ReadIds(RequestJson.Require(body, "ids"), "ids");
        var payload = RequestJson.ReadPayloadSelection(body, defaultValue: true);
        var points = collection.Retrieve(ids, RequestJson.ReadVectorSelection(body));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartArray();
            foreach (var point in points)
            {
                QdrantResponses.WriteRecord(writer, point, payload);
            }

            writer.WriteEndArray();
        });
    }

    private async Task GetPointAsync(HttpContext context, string name, string idText, long started)
    {
        var collection = Collection(name);
        if (!PointKey.TryParse(idText, out var id))
        {
            throw QdrantHttpError.BadInput($"Unable to parse point id `{idText}`");
        }

        var point = collection.Get(id) ?? throw QdrantHttpError.NotFound($"No point with id {id} found");
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteRecord(writer, point, PayloadSelection.All));
    }

    private async Task DeletePointsAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        var wait = ReadWait(context);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "PointsSelector");
        ulong operation;
        if (RequestJson.TryGet(body, "points", out var points))
        {
            operation = collection.Delete(RequestJson.ReadIds(points, "points"));
        }
        else if (RequestJson.TryGet(body, "filter", out var filter))
        {
            operation = collection.DeleteWhere(FilterCompiler.Compile(filter, "filter"));
        }
        else
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum PointsSelector");
        }

        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteUpdateResult(writer, operation, wait));
    }

    private async Task SetPayloadAsync(HttpContext context, string name, bool overwrite, long started)
    {
        var collection = Collection(name);
        var wait = ReadWait(context);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "SetPayload");
        var payload = ReadPayloadObject(RequestJson.Require(body, "payload"));
        if (RequestJson.TryGet(body, "key", out _))
        {
            throw QdrantHttpError.Unsupported("Setting a payload under `key`");
        }

        var ids = RequestJson.TryGet(body, "points", out var points) ? RequestJson.ReadIds(points, "points").ToHashSet() : null;
        var filter = FilterCompiler.CompileOptional(body, "filter", "filter");
        if (ids is null && filter is null)
        {
            throw QdrantHttpError.BadInput("Either list of point ids or filter must be provided");
        }

        var operation = collection.SetPayload(ids, filter, payload, overwrite);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteUpdateResult(writer, operation, wait));
    }

    /// <summary>Removes top-level payload keys, as the gRPC face; a nested path such as <c>a.b</c> removes nothing.</summary>
    private async Task DeletePayloadAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        var wait = ReadWait(context);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "DeletePayload");
        var keys = RequestJson.Require(body, "keys");
        if (keys.ValueKind != JsonValueKind.Array || keys.EnumerateArray().Any(key => key.ValueKind != JsonValueKind.String))
        {
            throw QdrantHttpError.Format("keys: invalid type: expected a sequence of strings");
        }

        var ids = RequestJson.TryGet(body, "points", out var points) ? RequestJson.ReadIds(points, "points").ToHashSet() : null;
        var filter = FilterCompiler.CompileOptional(body, "filter", "filter");
        if (ids is null && filter is null)
        {
            throw QdrantHttpError.BadInput("Either list of point ids or filter must be provided");
        }

        var operation = collection.DeletePayload(ids, filter, keys.EnumerateArray().Select(key => key.GetString()!).ToHashSet(StringComparer.Ordinal));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => QdrantResponses.WriteUpdateResult(writer, operation, wait));
    }

    private async Task ScrollAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "ScrollRequest");
        if (RequestJson.TryGet(body, "order_by", out _))
        {
            throw QdrantHttpError.Unsupported("Scrolling with order_by");
        }

        var limit = RequestJson.OptionalUnsigned(body, "limit", string.Empty, 1) ?? 10;
        PointKey? offset = RequestJson.TryGet(body, "offset", out var offsetElement) ? PointKey.Read(offsetElement) : null;
        var filter = FilterCompiler.CompileOptional(body, "filter", "filter");
        var payload = RequestJson.ReadPayloadSelection(body, defaultValue: true);
        var (points, next) = collection.Scroll(offset, (int)Math.Min(limit, int.MaxValue - 1), filter, RequestJson.ReadVectorSelection(body));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("points");
            foreach (var point in points)
            {
                QdrantResponses.WriteRecord(writer, point, payload);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("next_page_offset");
            if (next is { } nextId)
            {
                nextId.Write(writer);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
        });
    }

    private async Task CountAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "CountRequest");
        RequestJson.OptionalBool(body, "exact");
        var count = collection.CountWhere(FilterCompiler.CompileOptional(body, "filter", "filter"));
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("count", count);
            writer.WriteEndObject();
        });
    }
}
