using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Filtering;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>
/// Search endpoints: the query API (<c>/points/query</c>, <c>/points/query/batch</c>) with nearest queries over
/// dense or sparse vectors (<c>using</c>), nested <c>prefetch</c>, and <c>fusion</c> (<c>rrf</c>, also
/// parameterized, and <c>dbsf</c>); and the legacy search API (<c>/points/search</c>, <c>/points/search/batch</c>),
/// which Qdrant 1.19 still serves although its OpenAPI document no longer lists it. Other query kinds (recommend,
/// discover, context, order_by, formula, sample, MMR, by point id, without a query) are refused.
/// </summary>
internal sealed partial class QdrantApi
{
    private static readonly string[] UnsupportedQueryKinds =
        ["recommend", "discover", "context", "order_by", "formula", "sample", "relevance_feedback"];

    private sealed record SearchPlan(QueryNode Root, int Offset, PayloadSelection Payload, VectorSelection Vectors);

    private Task QueryAsync(HttpContext context, string name, long started) =>
        RunSearchAsync(context, name, started, "QueryRequest", ReadQuery, WriteQueryResponse);

    private Task QueryBatchAsync(HttpContext context, string name, long started) =>
        RunSearchBatchAsync(context, name, started, "QueryRequestBatch", "QueryRequest", ReadQuery, WriteQueryResponse);

    private Task SearchAsync(HttpContext context, string name, long started) =>
        RunSearchAsync(context, name, started, "SearchRequest", ReadLegacySearch, WriteScoredArray);

    private Task SearchBatchAsync(HttpContext context, string name, long started) =>
        RunSearchBatchAsync(context, name, started, "SearchRequestBatch", "SearchRequest", ReadLegacySearch, WriteScoredArray);

    /// <summary>One search: the query and legacy APIs differ only in how a request is read and a result written.</summary>
    private async Task RunSearchAsync(
        HttpContext context, string name, long started, string schema,
        Func<InProcessCollection, JsonElement, SearchPlan> read, Action<Utf8JsonWriter, IReadOnlyList<ScoredView>, PayloadSelection> write)
    {
        var collection = Collection(name);
        using var document = await ReadBodyAsync(context);
        var plan = read(collection, RequestJson.RequireObject(document.RootElement, schema));
        var hits = Execute(collection, plan);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => write(writer, hits, plan.Payload));
    }

    /// <summary>A batch: every search is read (so one bad search fails the batch before any runs), then run in order.</summary>
    private async Task RunSearchBatchAsync(
        HttpContext context, string name, long started, string batchSchema, string schema,
        Func<InProcessCollection, JsonElement, SearchPlan> read, Action<Utf8JsonWriter, IReadOnlyList<ScoredView>, PayloadSelection> write)
    {
        var collection = Collection(name);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, batchSchema);
        var plans = ReadSearches(body).Select(search => read(collection, RequestJson.RequireObject(search, schema))).ToList();
        var results = plans.Select(plan => (Plan: plan, Hits: Execute(collection, plan))).ToList();
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartArray();
            foreach (var (plan, hits) in results)
            {
                write(writer, hits, plan.Payload);
            }

            writer.WriteEndArray();
        });
    }

    private static IEnumerable<JsonElement> ReadSearches(JsonElement body)
    {
        var searches = RequestJson.Require(body, "searches");
        return searches.ValueKind == JsonValueKind.Array
            ? searches.EnumerateArray()
            : throw QdrantHttpError.Format($"invalid type: {RequestJson.Describe(searches)}, expected a sequence");
    }

    private static IReadOnlyList<ScoredView> Execute(InProcessCollection collection, SearchPlan plan) =>
        collection.Query(plan.Root, plan.Offset, plan.Vectors);

    private static SearchPlan ReadQuery(InProcessCollection collection, JsonElement body)
    {
        if (RequestJson.TryGet(body, "shard_key", out _))
        {
            throw QdrantHttpError.Unsupported("`shard_key` in a query");
        }

        var offset = ClampToInt(RequestJson.OptionalUnsigned(body, "offset", "internal") ?? 0);
        var root = ReadQueryNode(body, "internal", offset);
        collection.CheckQuery(root);
        return new SearchPlan(root, offset, RequestJson.ReadPayloadSelection(body, defaultValue: false), RequestJson.ReadVectorSelection(body));
    }

    /// <summary>A query or prefetch: its prefetches, its scoring, filter, threshold and limit (plus the root's offset).</summary>
    private static QueryNode ReadQueryNode(JsonElement body, string path, int offset)
    {
        if (RequestJson.TryGet(body, "lookup_from", out _))
        {
            throw QdrantHttpError.Unsupported("`lookup_from` in a query");
        }

        var prefetch = new List<QueryNode>();
        if (RequestJson.TryGet(body, "prefetch", out var prefetchElement))
        {
            var items = prefetchElement.ValueKind == JsonValueKind.Array ? prefetchElement.EnumerateArray().ToList() : [prefetchElement];
            prefetch.AddRange(items.Select(item => ReadQueryNode(RequestJson.RequireObject(item, "Prefetch"), "prefetch", 0)));
        }

        var usingName = RequestJson.OptionalString(body, "using");
        QueryScoring scoring;
        if (RequestJson.TryGet(body, "query", out var query))
        {
            scoring = ReadScoring(query, usingName);
        }
        else if (prefetch.Count > 0)
        {
            throw QdrantHttpError.QueryValidation("cannot have prefetches without a query");
        }
        else
        {
            throw QdrantHttpError.Unsupported("A query without `query` (ordering by id)");
        }

        var limit = RequestJson.OptionalUnsigned(body, "limit", path, 1) ?? 10;
        return new QueryNode(
            prefetch,
            scoring,
            FilterCompiler.CompileOptional(body, "filter", "filter"),
            (float?)RequestJson.OptionalDouble(body, "score_threshold"),
            ClampToInt(limit) + offset);
    }

    private static QueryScoring ReadScoring(JsonElement query, string? usingName)
    {
        switch (query.ValueKind)
        {
            case JsonValueKind.Array:
                return new NearestScoring(usingName, RequestJson.ReadDenseVector(query), null);
            case JsonValueKind.Object:
                break;
            default:
                throw QdrantHttpError.Unsupported("Querying by point id");
        }

        if (query.TryGetProperty("indices", out _))
        {
            return new NearestScoring(usingName, null, RequestJson.ReadSparseVector(query, "query"));
        }

        if (query.TryGetProperty("nearest", out var nearest))
        {
            if (RequestJson.TryGet(query, "mmr", out _))
            {
                throw QdrantHttpError.Unsupported("MMR re-ranking");
            }

            return nearest.ValueKind switch
            {
                JsonValueKind.Array => new NearestScoring(usingName, RequestJson.ReadDenseVector(nearest), null),
                JsonValueKind.Object when nearest.TryGetProperty("indices", out _) =>
                    new NearestScoring(usingName, null, RequestJson.ReadSparseVector(nearest, "query.nearest")),
                JsonValueKind.Number or JsonValueKind.String => throw QdrantHttpError.Unsupported("Querying by point id"),
                _ => throw QdrantHttpError.Unsupported("Multi or inference query vectors"),
            };
        }

        if (query.TryGetProperty("fusion", out var fusion))
        {
            return RequestJson.OptionalString(query, "fusion") switch
            {
                "rrf" => new FusionScoring(FusionKind.Rrf),
                "dbsf" => new FusionScoring(FusionKind.Dbsf),
                var other => throw QdrantHttpError.Format($"unknown variant `{other ?? fusion.GetRawText()}`, expected `rrf` or `dbsf`"),
            };
        }

        if (query.TryGetProperty("rrf", out var rrf))
        {
            RequestJson.RequireObject(rrf, "Rrf");
            var k = RequestJson.OptionalUnsigned(rrf, "k", "query.rrf", 1) ?? FusionScoring.DefaultRrfK;
            var weights = RequestJson.TryGet(rrf, "weights", out var weightArray)
                ? weightArray.EnumerateArray().Select(weight => weight.GetSingle()).ToArray()
                : null;
            return new FusionScoring(FusionKind.Rrf, ClampToInt(k), weights);
        }

        if (UnsupportedQueryKinds.FirstOrDefault(kind => query.TryGetProperty(kind, out _)) is { } kind)
        {
            throw QdrantHttpError.Unsupported($"The `{kind}` query");
        }

        throw QdrantHttpError.Unsupported("Inference query vectors");
    }

    private static SearchPlan ReadLegacySearch(InProcessCollection collection, JsonElement body)
    {
        var vectorElement = RequestJson.Require(body, "vector");
        NearestScoring nearest;
        if (vectorElement.ValueKind == JsonValueKind.Object)
        {
            // NamedVectorStruct {"name", "vector": [...]} or NamedSparseVector {"name", "vector": {indices, values}}.
            var name = RequestJson.OptionalString(vectorElement, "name");
            var inner = RequestJson.Require(vectorElement, "vector");
            nearest = inner.ValueKind == JsonValueKind.Object
                ? new NearestScoring(name, null, RequestJson.ReadSparseVector(inner, "vector.vector"))
                : new NearestScoring(name, RequestJson.ReadDenseVector(inner), null);
        }
        else
        {
            nearest = new NearestScoring(null, RequestJson.ReadDenseVector(vectorElement), null);
        }

        if (!RequestJson.TryGet(body, "limit", out _))
        {
            throw QdrantHttpError.Format("missing field `limit`");
        }

        var limit = RequestJson.OptionalUnsigned(body, "limit", string.Empty, 1) ?? 10;
        var offset = ClampToInt(RequestJson.OptionalUnsigned(body, "offset", string.Empty) ?? 0);
        var root = new QueryNode(
            [],
            nearest,
            FilterCompiler.CompileOptional(body, "filter", "filter"),
            (float?)RequestJson.OptionalDouble(body, "score_threshold"),
            ClampToInt(limit) + offset);
        collection.CheckQuery(root);
        return new SearchPlan(root, offset, RequestJson.ReadPayloadSelection(body, defaultValue: false), RequestJson.ReadVectorSelection(body));
    }

    private static int ClampToInt(ulong value) => (int)Math.Min(value, int.MaxValue / 2);

    private static void WriteQueryResponse(Utf8JsonWriter writer, IReadOnlyList<ScoredView> hits, PayloadSelection payload)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("points");
        WriteScoredArray(writer, hits, payload);
        writer.WriteEndObject();
    }

    private static void WriteScoredArray(Utf8JsonWriter writer, IReadOnlyList<ScoredView> hits, PayloadSelection payload)
    {
        writer.WriteStartArray();
        foreach (var hit in hits)
        {
            QdrantResponses.WriteScoredPoint(writer, hit, payload);
        }

        writer.WriteEndArray();
    }
}
