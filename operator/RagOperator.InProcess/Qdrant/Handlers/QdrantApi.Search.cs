using System.Text.Json;
using Microsoft.AspNetCore.Http;
using RagOperator.InProcess.Qdrant.Filtering;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>
/// Search endpoints: the query API (<c>/points/query</c>, <c>/points/query/batch</c>) in its nearest-vector form,
/// and the legacy search API (<c>/points/search</c>, <c>/points/search/batch</c>), which Qdrant 1.19 still serves
/// although its OpenAPI document no longer lists it.
/// </summary>
internal sealed partial class QdrantApi
{
    private static readonly string[] UnsupportedQueryKinds =
        ["recommend", "discover", "context", "order_by", "fusion", "rrf", "formula", "sample", "relevance_feedback"];

    private sealed record SearchPlan(float[] Vector, int Limit, int Offset, FilterNode? Filter, float? Threshold, PayloadSelection Payload, bool WithVector);

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

    private static IReadOnlyList<ScoredView> Execute(InProcessCollection collection, SearchPlan plan)
    {
        var hits = collection.Search(plan.Vector, plan.Offset + plan.Limit, plan.Filter, plan.Threshold, plan.WithVector);
        return hits.Skip(plan.Offset).ToList();
    }

    private static SearchPlan ReadQuery(InProcessCollection collection, JsonElement body)
    {
        foreach (var unsupported in new[] { "prefetch", "lookup_from", "shard_key" })
        {
            if (RequestJson.TryGet(body, unsupported, out _))
            {
                throw QdrantHttpError.Unsupported($"`{unsupported}` in a query");
            }
        }

        CheckVectorName(RequestJson.OptionalString(body, "using"));
        if (!RequestJson.TryGet(body, "query", out var query))
        {
            throw QdrantHttpError.Unsupported("A query without `query` (ordering by id)");
        }

        var vector = ReadQueryVector(query);
        var limit = RequestJson.OptionalUnsigned(body, "limit", "internal", 1) ?? 10;
        var offset = RequestJson.OptionalUnsigned(body, "offset", "internal") ?? 0;
        return new SearchPlan(
            collection.PrepareVector(vector),
            ClampToInt(limit),
            ClampToInt(offset),
            FilterCompiler.CompileOptional(body, "filter", "filter"),
            (float?)RequestJson.OptionalDouble(body, "score_threshold"),
            RequestJson.ReadPayloadSelection(body, defaultValue: false),
            RequestJson.ReadWithVector(body));
    }

    private static float[] ReadQueryVector(JsonElement query)
    {
        if (query.ValueKind == JsonValueKind.Array)
        {
            return RequestJson.ReadDenseVector(query);
        }

        if (query.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Unsupported("Querying by point id");
        }

        if (query.TryGetProperty("nearest", out var nearest))
        {
            if (RequestJson.TryGet(query, "mmr", out _))
            {
                throw QdrantHttpError.Unsupported("MMR re-ranking");
            }

            return nearest.ValueKind switch
            {
                JsonValueKind.Array => RequestJson.ReadDenseVector(nearest),
                JsonValueKind.Number or JsonValueKind.String => throw QdrantHttpError.Unsupported("Querying by point id"),
                _ => throw QdrantHttpError.Unsupported("Sparse, multi or inference query vectors"),
            };
        }

        if (UnsupportedQueryKinds.FirstOrDefault(kind => query.TryGetProperty(kind, out _)) is { } kind)
        {
            throw QdrantHttpError.Unsupported($"The `{kind}` query");
        }

        throw QdrantHttpError.Unsupported("Sparse or inference query vectors");
    }

    private static SearchPlan ReadLegacySearch(InProcessCollection collection, JsonElement body)
    {
        var vectorElement = RequestJson.Require(body, "vector");
        float[] vector;
        if (vectorElement.ValueKind == JsonValueKind.Object)
        {
            // NamedVectorStruct: {"name": "...", "vector": [...]}.
            CheckVectorName(RequestJson.OptionalString(vectorElement, "name"));
            vector = RequestJson.ReadDenseVector(RequestJson.Require(vectorElement, "vector"));
        }
        else
        {
            vector = RequestJson.ReadDenseVector(vectorElement);
        }

        if (!RequestJson.TryGet(body, "limit", out _))
        {
            throw QdrantHttpError.Format("missing field `limit`");
        }

        var limit = RequestJson.OptionalUnsigned(body, "limit", string.Empty, 1) ?? 10;
        var offset = RequestJson.OptionalUnsigned(body, "offset", string.Empty) ?? 0;
        return new SearchPlan(
            collection.PrepareVector(vector),
            ClampToInt(limit),
            ClampToInt(offset),
            FilterCompiler.CompileOptional(body, "filter", "filter"),
            (float?)RequestJson.OptionalDouble(body, "score_threshold"),
            RequestJson.ReadPayloadSelection(body, defaultValue: false),
            RequestJson.ReadWithVector(body));
    }

    private static void CheckVectorName(string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            throw QdrantHttpError.BadInput($"Not existing vector name error: {name}");
        }
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
