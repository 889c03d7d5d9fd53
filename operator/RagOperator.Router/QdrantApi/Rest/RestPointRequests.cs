using System.Text.Json;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST point requests (upsert, delete, payload changes, retrieve, scroll, count) read into the gRPC
/// messages the core takes. Defaults are Qdrant's REST ones, which differ from its gRPC ones in places: retrieve
/// and scroll return payloads unless told not to.
/// </summary>
internal static class RestPointRequests
{
    /// <summary><c>PointInsertOperations</c>: <c>{"points": [..]}</c> or the column form <c>{"batch": {"ids", "vectors", "payloads"}}</c>.</summary>
    public static G.UpsertPoints Upsert(string collection, JsonElement body)
    {
        var request = new G.UpsertPoints { CollectionName = collection, Wait = true, ShardKeySelector = RestSelectors.ShardKey(body) };
        if (RestFields.Has(body, "batch"))
        {
            request.Points.Add(Batch(RestFields.Object(RestFields.Optional(body, "batch"), "batch")));
        }
        else if (RestFields.Has(body, "points"))
        {
            foreach (var (item, field) in RestFields.Items(RestFields.Optional(body, "points"), "points"))
            {
                RestFields.Object(item, field);
                var point = new G.PointStruct
                {
                    Id = RestSelectors.PointId(RestFields.Required(item, "id", RestFields.Path(field, "id")), RestFields.Path(field, "id")),
                    Vectors = RestVectors.PointVectors(RestFields.Required(item, "vector", RestFields.Path(field, "vector")), RestFields.Path(field, "vector")),
                };
                if (RestFields.Has(item, "payload"))
                {
                    RestSelectors.Payload(RestFields.Optional(item, "payload"), point.Payload, RestFields.Path(field, "payload"));
                }

                request.Points.Add(point);
            }
        }
        else
        {
            throw RestFields.Invalid("points", "send 'points' (a list of {id, vector, payload}) or 'batch' ({ids, vectors, payloads})");
        }

        request.UpdateFilter = RestSelectors.Filter(body, "update_filter", "update_filter");
        // "upsert" is what every upsert does; only the conditional modes are carried to the core, which refuses them.
        switch (RestFields.Text(body, "update_mode", "update_mode"))
        {
            case null or "upsert":
                break;
            case "insert_only":
                request.UpdateMode = G.UpdateMode.InsertOnly;
                break;
            case "update_only":
                request.UpdateMode = G.UpdateMode.UpdateOnly;
                break;
            case var other:
                throw RestFields.Invalid("update_mode", $"update_mode is '{other}'; it must be upsert, insert_only or update_only");
        }

        return request;
    }

    /// <summary><c>PointsSelector</c>: <c>{"points": [ids]}</c> or <c>{"filter": ..}</c>.</summary>
    public static G.DeletePoints Delete(string collection, JsonElement body) => new()
    {
        CollectionName = collection,
        Wait = true,
        Points = RestSelectors.Selector(body, null),
        ShardKeySelector = RestSelectors.ShardKey(body),
    };

    /// <summary><c>SetPayload</c>: <c>payload</c> for the <c>points</c> or the <c>filter</c>.</summary>
    public static G.SetPayloadPoints SetPayload(string collection, JsonElement body)
    {
        var request = new G.SetPayloadPoints
        {
            CollectionName = collection,
            Wait = true,
            PointsSelector = RestSelectors.Selector(body, null),
            ShardKeySelector = RestSelectors.ShardKey(body),
        };
        RestSelectors.Payload(RestFields.Required(body, "payload", "payload"), request.Payload, "payload");
        if (RestFields.Text(body, "key", "key") is { } key)
        {
            request.Key = key;
        }

        return request;
    }

    /// <summary><c>DeletePayload</c>: the <c>keys</c> to remove from the <c>points</c> or the <c>filter</c>.</summary>
    public static G.DeletePayloadPoints DeletePayload(string collection, JsonElement body) => new()
    {
        CollectionName = collection,
        Wait = true,
        Keys = { RestFields.Strings(RestFields.Required(body, "keys", "keys"), "keys") },
        PointsSelector = RestSelectors.Selector(body, null),
        ShardKeySelector = RestSelectors.ShardKey(body),
    };

    /// <summary><c>PointRequest</c>: <c>ids</c>, payloads by default, no vectors by default.</summary>
    public static G.GetPoints Retrieve(string collection, JsonElement body, ulong? timeout)
    {
        var request = new G.GetPoints
        {
            CollectionName = collection,
            Ids = { RestSelectors.PointIds(RestFields.Required(body, "ids", "ids"), "ids") },
            WithPayload = RestSelectors.WithPayload(body, "with_payload", byDefault: true),
            WithVectors = RestSelectors.WithVector(body, "with_vector"),
            ShardKeySelector = RestSelectors.ShardKey(body),
        };
        if (timeout is { } seconds) request.Timeout = seconds;
        return request;
    }

    /// <summary><c>ScrollRequest</c>: a page of points by id from <c>offset</c> (inclusive), payloads by default.</summary>
    public static G.ScrollPoints Scroll(string collection, JsonElement body, ulong? timeout)
    {
        var request = new G.ScrollPoints
        {
            CollectionName = collection,
            Filter = RestSelectors.Filter(body, "filter", "filter"),
            WithPayload = RestSelectors.WithPayload(body, "with_payload", byDefault: true),
            WithVectors = RestSelectors.WithVector(body, "with_vector"),
            ShardKeySelector = RestSelectors.ShardKey(body),
        };
        if (RestFields.Has(body, "offset")) request.Offset = RestSelectors.PointId(RestFields.Optional(body, "offset"), "offset");
        if (RestFields.UInt(body, "limit", "limit") is { } limit)
        {
            request.Limit = limit <= uint.MaxValue ? (uint)limit : throw RestFields.Invalid("limit", $"limit {limit} is too large");
        }

        var orderBy = RestFields.Optional(body, "order_by");
        if (orderBy.ValueKind != JsonValueKind.Undefined)
        {
            // Refused by the core whatever it orders by; the key is kept for nothing but completeness.
            request.OrderBy = new G.OrderBy { Key = orderBy.ValueKind == JsonValueKind.String ? orderBy.GetString()! : "" };
        }

        if (timeout is { } seconds) request.Timeout = seconds;
        return request;
    }

    /// <summary><c>CountRequest</c>: points matching <c>filter</c>; <c>exact</c> defaults to true.</summary>
    public static G.CountPoints Count(string collection, JsonElement body, ulong? timeout)
    {
        var request = new G.CountPoints
        {
            CollectionName = collection,
            Filter = RestSelectors.Filter(body, "filter", "filter"),
            Exact = RestFields.Bool(body, "exact", "exact") ?? true,
            ShardKeySelector = RestSelectors.ShardKey(body),
        };
        if (timeout is { } seconds) request.Timeout = seconds;
        return request;
    }

    /// <summary>The column form as points: one id, one vector and one payload (or null) per position.</summary>
    private static IEnumerable<G.PointStruct> Batch(JsonElement batch)
    {
        var ids = RestSelectors.PointIds(RestFields.Required(batch, "ids", "batch.ids"), "batch.ids").ToList();
        var vectors = Columns(RestFields.Required(batch, "vectors", "batch.vectors"), ids.Count);
        var payloads = RestFields.Optional(batch, "payloads");
        if (payloads.ValueKind != JsonValueKind.Undefined && RestFields.Array(payloads, "batch.payloads").GetArrayLength() != ids.Count)
        {
            throw RestFields.Invalid("batch.payloads", $"batch.payloads has {payloads.GetArrayLength()} entries and batch.ids {ids.Count}; give one payload (or null) per id");
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var point = new G.PointStruct { Id = ids[i], Vectors = vectors[i] };
            if (payloads.ValueKind == JsonValueKind.Array && payloads[i].ValueKind != JsonValueKind.Null)
            {
                RestSelectors.Payload(payloads[i], point.Payload, RestFields.Index("batch.payloads", i));
            }

            yield return point;
        }
    }

    /// <summary><c>BatchVectorStruct</c>: a list of vectors, or a map from vector name to a list of vectors.</summary>
    private static List<G.Vectors> Columns(JsonElement vectors, int count)
    {
        const string field = "batch.vectors";
        if (vectors.ValueKind == JsonValueKind.Object)
        {
            var columns = Enumerable.Range(0, count).Select(_ => new G.Vectors { Vectors_ = new G.NamedVectors() }).ToList();
            foreach (var property in vectors.EnumerateObject())
            {
                var at = RestFields.Path(field, property.Name);
                var column = RestFields.Items(property.Value, at).ToList();
                CheckLength(column.Count, count, at);
                for (var i = 0; i < count; i++)
                {
                    columns[i].Vectors_.Vectors[property.Name] = RestVectors.Vector(column[i].Item, column[i].Field);
                }
            }

            return columns;
        }

        var rows = RestFields.Items(vectors, field).ToList();
        CheckLength(rows.Count, count, field);
        return [.. rows.Select(row => RestVectors.PointVectors(row.Item, row.Field))];
    }

    private static void CheckLength(int length, int ids, string field)
    {
        if (length != ids)
        {
            throw RestFields.Invalid(field, $"{field} has {length} entries and batch.ids {ids}; give one vector per id");
        }
    }
}
