using System.Text.Json;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Qdrant's REST search requests read into the gRPC messages the core takes: the query API (<c>QueryRequest</c>,
/// <c>QueryRequestBatch</c>) and the legacy search API (<c>SearchRequest</c>, <c>SearchRequestBatch</c>), which Qdrant
/// 1.19 still serves although its OpenAPI document no longer lists it. Neither returns payloads or vectors unless asked.
/// </summary>
internal static class RestQueryRequests
{
    public static G.QueryPoints Query(string collection, JsonElement body, string? field, ulong? timeout)
    {
        RestFields.Object(body, field ?? "body");
        var request = new G.QueryPoints
        {
            CollectionName = collection,
            Filter = RestSelectors.Filter(body, "filter", RestFields.Path(field, "filter")),
            Params = RestSelectors.Params(body, RestFields.Path(field, "params")),
            WithPayload = RestSelectors.WithPayload(body, RestFields.Path(field, "with_payload"), byDefault: false),
            WithVectors = RestSelectors.WithVector(body, RestFields.Path(field, "with_vector")),
            ShardKeySelector = RestSelectors.ShardKey(body),
        };
        var query = RestFields.Optional(body, "query");
        if (query.ValueKind != JsonValueKind.Undefined)
        {
            request.Query = RestVectors.Query(query, RestFields.Path(field, "query"));
        }

        // Prefetches and lookups are refused by the core whatever they hold; one empty message stands for each.
        var prefetch = RestFields.Optional(body, "prefetch");
        if (prefetch.ValueKind != JsonValueKind.Undefined)
        {
            request.Prefetch.Add(Enumerable.Range(0, prefetch.ValueKind == JsonValueKind.Array ? prefetch.GetArrayLength() : 1).Select(_ => new G.PrefetchQuery()));
        }

        if (RestFields.Has(body, "lookup_from")) request.LookupFrom = new G.LookupLocation();
        if (RestFields.Text(body, "using", RestFields.Path(field, "using")) is { } vectorName) request.Using = vectorName;
        if (RestFields.UInt(body, "limit", RestFields.Path(field, "limit")) is { } limit) request.Limit = limit;
        if (RestFields.UInt(body, "offset", RestFields.Path(field, "offset")) is { } offset) request.Offset = offset;
        if (RestFields.Float(body, "score_threshold", RestFields.Path(field, "score_threshold")) is { } threshold) request.ScoreThreshold = threshold;
        if (timeout is { } seconds) request.Timeout = seconds;
        return request;
    }

    /// <summary><c>{"searches": [QueryRequest, ..]}</c>.</summary>
    public static G.QueryBatchPoints QueryBatch(string collection, JsonElement body, ulong? timeout)
    {
        var batch = new G.QueryBatchPoints { CollectionName = collection, QueryPoints = { Searches(body, (item, field) => Query(collection, item, field, timeout)) } };
        if (timeout is { } seconds) batch.Timeout = seconds;
        return batch;
    }

    /// <summary>The legacy <c>SearchRequest</c>: <c>vector</c> and <c>limit</c> (or its old name <c>top</c>) are required.</summary>
    public static G.SearchPoints Search(string collection, JsonElement body, string? field, ulong? timeout)
    {
        RestFields.Object(body, field ?? "body");
        var request = new G.SearchPoints
        {
            CollectionName = collection,
            Filter = RestSelectors.Filter(body, "filter", RestFields.Path(field, "filter")),
            Params = RestSelectors.Params(body, RestFields.Path(field, "params")),
            WithPayload = RestSelectors.WithPayload(body, RestFields.Path(field, "with_payload"), byDefault: false),
            WithVectors = RestSelectors.WithVector(body, RestFields.Path(field, "with_vector")),
            ShardKeySelector = RestSelectors.ShardKey(body),
        };
        var vectorField = RestFields.Path(field, "vector");
        RestVectors.SearchVector(request, RestFields.Required(body, "vector", vectorField), vectorField);
        var limitName = RestFields.Has(body, "limit") || !RestFields.Has(body, "top") ? "limit" : "top";
        request.Limit = RestFields.UInt(body, limitName, RestFields.Path(field, limitName))
            ?? throw RestFields.Invalid(RestFields.Path(field, "limit"), $"missing field `{RestFields.Path(field, "limit")}`");
        if (RestFields.UInt(body, "offset", RestFields.Path(field, "offset")) is { } offset) request.Offset = offset;
        if (RestFields.Float(body, "score_threshold", RestFields.Path(field, "score_threshold")) is { } threshold) request.ScoreThreshold = threshold;
        if (timeout is { } seconds) request.Timeout = seconds;
        return request;
    }

    /// <summary><c>{"searches": [SearchRequest, ..]}</c>.</summary>
    public static G.SearchBatchPoints SearchBatch(string collection, JsonElement body, ulong? timeout)
    {
        var batch = new G.SearchBatchPoints { CollectionName = collection, SearchPoints = { Searches(body, (item, field) => Search(collection, item, field, timeout)) } };
        if (timeout is { } seconds) batch.Timeout = seconds;
        return batch;
    }

    /// <summary>Each entry of a batch's <c>searches</c>, read with its path (<c>searches[2]</c>) for error messages.</summary>
    private static IEnumerable<T> Searches<T>(JsonElement body, Func<JsonElement, string, T> read) =>
        RestFields.Items(RestFields.Required(body, "searches", "searches"), "searches").Select(entry => read(entry.Item, entry.Field)).ToList();
}
