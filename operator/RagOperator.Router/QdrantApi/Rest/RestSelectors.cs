using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Collections;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Grpc;
using G = Qdrant.Client.Grpc;
using ModelFilter = RagOperator.Qdrant.Filters.Filter;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// The parts Qdrant's REST requests share, read into their gRPC messages: point ids, filters, payloads, the
/// <c>with_payload</c> and <c>with_vector</c> selectors, search parameters. Fields the router does not serve (such as
/// <c>shard_key</c>) are carried into the message so that the core refuses them with the same words on both faces.
/// </summary>
internal static class RestSelectors
{
    /// <summary>An <c>ExtendedPointId</c>: an unsigned integer or a UUID string.</summary>
    public static G.PointId PointId(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetUInt64(out var number) => new G.PointId { Num = number },
        JsonValueKind.String when Guid.TryParse(value.GetString(), out var uuid) => new G.PointId { Uuid = uuid.ToString("D") },
        _ => throw RestFields.Invalid(field, $"{field} is {RestFields.Describe(value)}; a point id is an unsigned integer or a UUID string"),
    };

    public static IEnumerable<G.PointId> PointIds(JsonElement array, string field) =>
        [.. RestFields.Items(array, field).Select(entry => PointId(entry.Item, entry.Field))];

    /// <summary>
    /// Qdrant's filter JSON, read by the project's filter model (the same reading as the operator's client), then as
    /// the gRPC filter; conditions that model does not know (geo, full-text, values_count, datetime) are refused by name.
    /// </summary>
    public static G.Filter? Filter(JsonElement parent, string name, string field)
    {
        var value = RestFields.Optional(parent, name);
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        try
        {
            var filter = value.Deserialize<ModelFilter>(QdrantJson.Options)
                ?? throw RestFields.Invalid(field, $"{field} must be a filter object");
            return GrpcMapping.ToGrpc(filter);
        }
        catch (Exception failure) when (failure is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw RestFields.Invalid(field, $"{field} is not a filter the router reads: {failure.Message}");
        }
    }

    /// <summary>A payload object into <paramref name="target"/>.</summary>
    public static void Payload(JsonElement value, MapField<string, G.Value> target, string field)
    {
        var payload = JsonObject.Create(RestFields.Object(value, field))!;
        GrpcMapping.AddPayload(target, payload);
    }

    /// <summary>
    /// <c>with_payload</c>: true/false, a list of keys to include, or <c>{"include": [..]}</c> / <c>{"exclude": [..]}</c>
    /// (each a key or a list of keys); <paramref name="byDefault"/> when absent.
    /// </summary>
    public static G.WithPayloadSelector WithPayload(JsonElement parent, string field, bool byDefault)
    {
        var value = RestFields.Optional(parent, "with_payload");
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return new G.WithPayloadSelector { Enable = byDefault };
            case JsonValueKind.True or JsonValueKind.False:
                return new G.WithPayloadSelector { Enable = value.GetBoolean() };
            case JsonValueKind.Array:
                return new G.WithPayloadSelector { Include = new G.PayloadIncludeSelector { Fields = { RestFields.Strings(value, field) } } };
            case JsonValueKind.Object when RestFields.Has(value, "include"):
                return new G.WithPayloadSelector { Include = new G.PayloadIncludeSelector { Fields = { Keys(value, "include", field) } } };
            case JsonValueKind.Object when RestFields.Has(value, "exclude"):
                return new G.WithPayloadSelector { Exclude = new G.PayloadExcludeSelector { Fields = { Keys(value, "exclude", field) } } };
            default:
                throw RestFields.Invalid(field,
                    $"{field} must be true, false, a list of payload keys, or {{\"include\": [..]}} / {{\"exclude\": [..]}}, not {RestFields.Describe(value)}");
        }
    }

    /// <summary>Whether a reply shows payloads: any selector but <c>false</c>.</summary>
    public static bool ShowsPayload(G.WithPayloadSelector? selector) =>
        selector is not null && (selector.SelectorOptionsCase != G.WithPayloadSelector.SelectorOptionsOneofCase.Enable || selector.Enable);

    /// <summary><c>with_vector</c>: true/false or a list of vector names; false when absent.</summary>
    public static G.WithVectorsSelector WithVector(JsonElement parent, string field)
    {
        var value = RestFields.Optional(parent, "with_vector");
        return value.ValueKind switch
        {
            JsonValueKind.Undefined => new G.WithVectorsSelector { Enable = false },
            JsonValueKind.True or JsonValueKind.False => new G.WithVectorsSelector { Enable = value.GetBoolean() },
            JsonValueKind.Array => new G.WithVectorsSelector { Include = new G.VectorsSelector { Names = { RestFields.Strings(value, field) } } },
            _ => throw RestFields.Invalid(field, $"{field} must be true, false or a list of vector names, not {RestFields.Describe(value)}"),
        };
    }

    /// <summary>Qdrant's <c>SearchParams</c>: <c>hnsw_ef</c>, <c>exact</c>, <c>indexed_only</c>, <c>quantization</c>.</summary>
    public static G.SearchParams? Params(JsonElement parent, string field)
    {
        var value = RestFields.Optional(parent, "params");
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        RestFields.Object(value, field);
        var parameters = new G.SearchParams();
        if (RestFields.UInt(value, "hnsw_ef", RestFields.Path(field, "hnsw_ef")) is { } ef) parameters.HnswEf = ef;
        if (RestFields.Bool(value, "exact", RestFields.Path(field, "exact")) is { } exact) parameters.Exact = exact;
        if (RestFields.Bool(value, "indexed_only", RestFields.Path(field, "indexed_only")) is { } indexedOnly) parameters.IndexedOnly = indexedOnly;
        var quantization = RestFields.Optional(value, "quantization");
        if (quantization.ValueKind != JsonValueKind.Undefined)
        {
            var at = RestFields.Path(field, "quantization");
            RestFields.Object(quantization, at);
            parameters.Quantization = new G.QuantizationSearchParams();
            if (RestFields.Bool(quantization, "ignore", RestFields.Path(at, "ignore")) is { } ignore) parameters.Quantization.Ignore = ignore;
            if (RestFields.Bool(quantization, "rescore", RestFields.Path(at, "rescore")) is { } rescore) parameters.Quantization.Rescore = rescore;
            if (RestFields.Float(quantization, "oversampling", RestFields.Path(at, "oversampling")) is { } oversampling)
            {
                parameters.Quantization.Oversampling = oversampling;
            }
        }

        return parameters;
    }

    /// <summary>
    /// A <c>shard_key</c> as a selector with no keys: the router places points itself, and the core refuses any
    /// request that carries one; its keys do not matter to that answer.
    /// </summary>
    public static G.ShardKeySelector? ShardKey(JsonElement parent) =>
        RestFields.Has(parent, "shard_key") ? new G.ShardKeySelector() : null;

    /// <summary>The ids of <c>points</c>, or the <c>filter</c>, of a payload change; both at once is ambiguous and refused.</summary>
    public static G.PointsSelector? Selector(JsonElement parent, string? parentField)
    {
        var points = RestFields.Optional(parent, "points");
        var filter = Filter(parent, "filter", RestFields.Path(parentField, "filter"));
        if (points.ValueKind != JsonValueKind.Undefined && filter is not null)
        {
            throw RestFields.Invalid(RestFields.Path(parentField, "points"), "send either 'points' (a list of ids) or 'filter', not both");
        }

        if (points.ValueKind != JsonValueKind.Undefined)
        {
            return new G.PointsSelector { Points = new G.PointsIdsList { Ids = { PointIds(points, RestFields.Path(parentField, "points")) } } };
        }

        return filter is null ? null : new G.PointsSelector { Filter = filter };
    }

    private static List<string> Keys(JsonElement selector, string name, string field)
    {
        var value = RestFields.Optional(selector, name);
        var at = RestFields.Path(field, name);
        return value.ValueKind == JsonValueKind.String ? [value.GetString()!] : RestFields.Strings(value, at);
    }
}
