using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Collections;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Qdrant.Grpc;

/// <summary>
/// Translates between the project's Qdrant vocabulary (<see cref="IQdrantClient"/>'s records, which the router also
/// reads from and writes to JSON) and Qdrant's gRPC messages. Pure functions, no I/O.
/// </summary>
public static class GrpcMapping
{
    public static G.PointId ToGrpc(PointId id) =>
        id.IsUuid ? new G.PointId { Uuid = id.Uuid.ToString("D") } : new G.PointId { Num = id.Number };

    public static PointId FromGrpc(G.PointId id) =>
        id.PointIdOptionsCase == G.PointId.PointIdOptionsOneofCase.Uuid
            ? PointId.FromUuid(Guid.Parse(id.Uuid, CultureInfo.InvariantCulture))
            : PointId.FromNumber(id.Num);

    public static G.PointStruct ToGrpc(PointStruct point)
    {
        var grpc = new G.PointStruct { Id = ToGrpc(point.Id), Vectors = point.Vector };
        if (point.Payload is { } payload) AddPayload(grpc.Payload, payload);
        return grpc;
    }

    public static RetrievedPoint FromGrpc(G.RetrievedPoint point) => new()
    {
        Id = FromGrpc(point.Id),
        Payload = point.Payload.Count == 0 ? null : FromGrpc(point.Payload),
        Vector = DenseVector(point.Vectors),
    };

    public static ScoredPoint FromGrpc(G.ScoredPoint point) => new()
    {
        Id = FromGrpc(point.Id),
        Version = point.Version,
        Score = point.Score,
        Payload = point.Payload.Count == 0 ? null : FromGrpc(point.Payload),
        Vector = DenseVector(point.Vectors),
    };

    public static UpdateResult FromGrpc(G.UpdateResult result) => new()
    {
        OperationId = result.HasOperationId ? result.OperationId : null,
        Status = result.Status switch
        {
            G.UpdateStatus.Acknowledged => UpdateStatus.Acknowledged,
            G.UpdateStatus.WaitTimeout => UpdateStatus.WaitTimeout,
            _ => UpdateStatus.Completed,
        },
    };

    private static float[]? DenseVector(G.VectorsOutput? vectors) =>
        vectors?.VectorsOptionsCase == G.VectorsOutput.VectorsOptionsOneofCase.Vector
            ? vectors.Vector.GetDenseVector()?.Data.ToArray()
            : null;

    // ---- Payload ----

    public static void AddPayload(MapField<string, G.Value> target, JsonObject payload)
    {
        foreach (var (key, value) in payload) target[key] = ToValue(value);
    }

    /// <summary>
    /// A payload as the REST face would have given it: written as JSON and parsed back, so its numbers convert to any
    /// numeric type (<c>GetValue&lt;int&gt;</c> of a cell), as values of a parsed document do. Payloads are a few
    /// fields; the vectors, the bulk of a point, stay binary.
    /// </summary>
    public static JsonObject FromGrpc(MapField<string, G.Value> payload)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in payload)
            {
                writer.WritePropertyName(key);
                Write(writer, value);
            }

            writer.WriteEndObject();
        }

        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>A payload value as JSON (the router's REST face writes payloads with it).</summary>
    public static void Write(Utf8JsonWriter writer, G.Value value)
    {
        switch (value.KindCase)
        {
            case G.Value.KindOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case G.Value.KindOneofCase.IntegerValue:
                writer.WriteNumberValue(value.IntegerValue);
                break;
            case G.Value.KindOneofCase.DoubleValue:
                writer.WriteNumberValue(value.DoubleValue);
                break;
            case G.Value.KindOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case G.Value.KindOneofCase.StructValue:
                writer.WriteStartObject();
                foreach (var (key, field) in value.StructValue.Fields)
                {
                    writer.WritePropertyName(key);
                    Write(writer, field);
                }

                writer.WriteEndObject();
                break;
            case G.Value.KindOneofCase.ListValue:
                writer.WriteStartArray();
                foreach (var item in value.ListValue.Values) Write(writer, item);
                writer.WriteEndArray();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    public static G.Value ToValue(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return new G.Value { NullValue = G.NullValue.NullValue };
            case JsonObject obj:
                var structValue = new G.Struct();
                foreach (var (key, value) in obj) structValue.Fields[key] = ToValue(value);
                return new G.Value { StructValue = structValue };
            case JsonArray array:
                var list = new G.ListValue();
                foreach (var item in array) list.Values.Add(ToValue(item));
                return new G.Value { ListValue = list };
            default:
                return Scalar(node.AsValue());
        }
    }

    private static G.Value Scalar(JsonValue value)
    {
        // A parsed document holds JsonElements; a built one holds CLR values, which do not convert between number types.
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.ValueKind switch
            {
                JsonValueKind.String => new G.Value { StringValue = element.GetString() },
                JsonValueKind.True => new G.Value { BoolValue = true },
                JsonValueKind.False => new G.Value { BoolValue = false },
                // Integral numbers stay integers: Qdrant's integer index and match need them so.
                JsonValueKind.Number when element.TryGetInt64(out var integer) => new G.Value { IntegerValue = integer },
                JsonValueKind.Number => new G.Value { DoubleValue = element.GetDouble() },
                _ => new G.Value { NullValue = G.NullValue.NullValue },
            };
        }

        return value.GetValue<object>() switch
        {
            string text => new G.Value { StringValue = text },
            bool flag => new G.Value { BoolValue = flag },
            long or int or short or sbyte or byte or ushort or uint => new G.Value { IntegerValue = Convert.ToInt64(value.GetValue<object>(), CultureInfo.InvariantCulture) },
            ulong large when large <= long.MaxValue => new G.Value { IntegerValue = (long)large },
            ulong or float or double or decimal => new G.Value { DoubleValue = Convert.ToDouble(value.GetValue<object>(), CultureInfo.InvariantCulture) },
            // Anything else (a Guid, a date) is written as JSON writes it.
            _ => Scalar(JsonValue.Create(JsonSerializer.SerializeToElement(value))!),
        };
    }

    // ---- Selectors ----

    public static G.WithPayloadSelector ToGrpc(PayloadSelector? selector)
    {
        if (selector is null) return new G.WithPayloadSelector { Enable = false };
        if (selector.Include is { } include) return new G.WithPayloadSelector { Include = new G.PayloadIncludeSelector { Fields = { include } } };
        if (selector.Exclude is { } exclude) return new G.WithPayloadSelector { Exclude = new G.PayloadExcludeSelector { Fields = { exclude } } };
        return new G.WithPayloadSelector { Enable = selector.Enabled };
    }

    public static G.WithVectorsSelector WithVectors(bool enabled) => new() { Enable = enabled };

    public static G.WriteOrdering? ToGrpc(WriteOrdering? ordering) => ordering switch
    {
        null => null,
        WriteOrdering.Medium => new G.WriteOrdering { Type = G.WriteOrderingType.Medium },
        WriteOrdering.Strong => new G.WriteOrdering { Type = G.WriteOrderingType.Strong },
        _ => new G.WriteOrdering { Type = G.WriteOrderingType.Weak },
    };

    public static G.UpdateMode ToGrpc(UpsertMode mode) => mode switch
    {
        UpsertMode.InsertOnly => G.UpdateMode.InsertOnly,
        UpsertMode.UpdateOnly => G.UpdateMode.UpdateOnly,
        _ => G.UpdateMode.Upsert,
    };

    // ---- Queries ----

    public static G.QueryPoints ToGrpc(string collection, QueryRequest request)
    {
        var query = new G.QueryPoints
        {
            CollectionName = collection,
            Query = new G.Query { Nearest = new G.VectorInput { Dense = new G.DenseVector { Data = { request.Query.Nearest } } } },
            WithPayload = ToGrpc(request.WithPayload),
            WithVectors = WithVectors(request.WithVector ?? false),
        };
        if (request.Filter is { } filter) query.Filter = ToGrpc(filter);
        if (request.Limit is { } limit) query.Limit = limit;
        if (request.Offset is { } offset) query.Offset = offset;
        if (request.ScoreThreshold is { } threshold) query.ScoreThreshold = threshold;
        if (request.Params is { } parameters)
        {
            query.Params = new G.SearchParams();
            if (parameters.Exact is { } exact) query.Params.Exact = exact;
            if (parameters.HnswEf is { } ef) query.Params.HnswEf = ef;
        }

        return query;
    }

    // ---- Filters ----

    public static G.Filter ToGrpc(Filter filter)
    {
        var grpc = new G.Filter();
        if (filter.Must is { } must) grpc.Must.AddRange(must.Select(ToGrpc));
        if (filter.Should is { } should) grpc.Should.AddRange(should.Select(ToGrpc));
        if (filter.MustNot is { } mustNot) grpc.MustNot.AddRange(mustNot.Select(ToGrpc));
        if (filter.MinShould is { } minShould)
        {
            grpc.MinShould = new G.MinShould { MinCount = minShould.MinCount, Conditions = { minShould.Conditions.Select(ToGrpc) } };
        }

        // Qdrant reads an empty `should` as "matches nothing"; proto cannot tell empty from unset, so say it explicitly.
        if (filter.Should is { Count: 0 })
        {
            grpc.Must.Add(new G.Condition { HasId = new G.HasIdCondition() });
        }

        return grpc;
    }

    private static G.Condition ToGrpc(Condition condition) => condition switch
    {
        FieldCondition field => new G.Condition { Field = ToGrpc(field) },
        HasIdCondition hasId => new G.Condition { HasId = new G.HasIdCondition { HasId = { hasId.HasId.Select(ToGrpc) } } },
        IsEmptyCondition isEmpty => new G.Condition { IsEmpty = new G.IsEmptyCondition { Key = isEmpty.Key } },
        IsNullCondition isNull => new G.Condition { IsNull = new G.IsNullCondition { Key = isNull.Key } },
        FilterCondition nested => new G.Condition { Filter = ToGrpc(nested.Filter) },
        NestedCondition nested => new G.Condition { Nested = new G.NestedCondition { Key = nested.Key, Filter = ToGrpc(nested.Filter) } },
        _ => throw new ArgumentOutOfRangeException(nameof(condition), condition.GetType().Name, "unknown filter condition"),
    };

    private static G.FieldCondition ToGrpc(FieldCondition field)
    {
        var grpc = new G.FieldCondition { Key = field.Key };
        if (field.Match is { } match) grpc.Match = ToGrpc(match);
        if (field.Range is { } range)
        {
            grpc.Range = new G.Range();
            if (range.Gt is { } gt) grpc.Range.Gt = gt;
            if (range.Gte is { } gte) grpc.Range.Gte = gte;
            if (range.Lt is { } lt) grpc.Range.Lt = lt;
            if (range.Lte is { } lte) grpc.Range.Lte = lte;
        }

        if (field.IsEmpty is { } isEmpty) grpc.IsEmpty = isEmpty;
        if (field.IsNull is { } isNull) grpc.IsNull = isNull;
        return grpc;
    }

    private static G.Match ToGrpc(Match match) => match.Kind switch
    {
        MatchKind.Value when match.Keyword is { } keyword => new G.Match { Keyword = keyword },
        MatchKind.Value when match.Integer is { } integer => new G.Match { Integer = integer },
        MatchKind.Value => new G.Match { Boolean = match.Boolean ?? false },
        MatchKind.Any when match.Keywords is { } keywords => new G.Match { Keywords = new G.RepeatedStrings { Strings = { keywords } } },
        MatchKind.Any => new G.Match { Integers = new G.RepeatedIntegers { Integers = { match.Integers ?? [] } } },
        MatchKind.Except when match.Keywords is { } keywords => new G.Match { ExceptKeywords = new G.RepeatedStrings { Strings = { keywords } } },
        _ => new G.Match { ExceptIntegers = new G.RepeatedIntegers { Integers = { match.Integers ?? [] } } },
    };
}
