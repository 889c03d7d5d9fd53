using RagOperator.Router.Api;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;
using QueryVariant = Qdrant.Client.Grpc.Query.VariantOneofCase;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// Checks of Qdrant requests that the router answers differently from one Qdrant, or not at all; each refusal says
/// what is not served and what to send instead. Pure.
/// </summary>
public static class QdrantRequests
{
    /// <summary>The query vector of a nearest-vector query, checked against the collection's dimension.</summary>
    public static float[] NearestVector(G.QueryPoints request, RoutingTable table)
    {
        if (request.Prefetch.Count > 0)
        {
            throw Unsupported("prefetch", "queries with 'prefetch' (hybrid and multi-stage queries) are not served by the router yet; send a single nearest-vector query");
        }

        if (request.LookupFrom is not null)
        {
            throw Unsupported("lookup_from", "'lookup_from' is not served by the router: a RagOperator collection cannot look vectors up in another collection; send the vector itself");
        }

        if (request.ShardKeySelector is not null) throw ShardKeys();
        CheckVectorName(request.HasUsing ? request.Using : null, "using");
        var query = request.Query;
        return query?.VariantCase switch
        {
            QueryVariant.Nearest when query.Nearest.VariantCase == G.VectorInput.VariantOneofCase.Dense =>
                CheckDimension([.. query.Nearest.Dense.Data], table, "query"),
            QueryVariant.Nearest when query.Nearest.VariantCase == G.VectorInput.VariantOneofCase.Id =>
                throw Unsupported("query", "a query by point id is not served by the router; retrieve the point's vector and query with it"),
            QueryVariant.Nearest => throw Unsupported("query", "only dense query vectors are served by the router; sparse, multi-vector and inference inputs are not"),
            null or QueryVariant.None => throw Unsupported("query", "a query without 'query' is not served by the router; use scroll to page through points by id"),
            var kind => throw Unsupported("query", $"the '{Name(kind!.Value)}' query is not served by the router; send a nearest-vector query ('query': [..] or 'nearest')"),
        };
    }

    /// <summary>The deprecated search call as the nearest-vector query it is.</summary>
    public static G.QueryPoints AsQuery(G.SearchPoints search)
    {
        if (search.SparseIndices is not null) throw Unsupported("vector", "sparse vectors are not served by the router; send a dense vector");
        if (search.ShardKeySelector is not null) throw ShardKeys();
        if (search.Limit == 0) throw Invalid("limit", "limit is 0; it must be 1 or more");
        var query = new G.QueryPoints
        {
            CollectionName = search.CollectionName,
            Query = new G.Query { Nearest = new G.VectorInput { Dense = new G.DenseVector { Data = { search.Vector } } } },
            Filter = search.Filter,
            Limit = search.Limit,
            WithPayload = search.WithPayload,
            WithVectors = search.WithVectors,
            Params = search.Params,
        };
        if (search.HasOffset) query.Offset = search.Offset;
        if (search.HasScoreThreshold) query.ScoreThreshold = search.ScoreThreshold;
        if (search.HasVectorName) query.Using = search.VectorName;
        if (search.HasTimeout) query.Timeout = search.Timeout;
        return query;
    }

    /// <summary>How many hits each shard must return for the page after <paramref name="offset"/>: offset + limit.</summary>
    public static int ResultWindow(ulong limit, ulong offset)
    {
        if (limit == 0) throw Invalid("limit", "limit is 0; it must be 1 or more");
        if (limit + offset > RouterOptions.MaxTopK)
        {
            throw Invalid(offset > 0 ? "offset" : "limit",
                $"offset + limit is {offset + limit}; the router merges at most {RouterOptions.MaxTopK} hits per query across shards. Ask for fewer, or page with a filter");
        }

        return (int)(limit + offset);
    }

    public static void CheckScroll(G.ScrollPoints request)
    {
        if (request.OrderBy is not null)
        {
            throw Unsupported("order_by", "scroll with 'order_by' is not served by the router; scroll pages by id across shards");
        }

        if (request.ShardKeySelector is not null) throw ShardKeys();
        if (request.HasLimit && request.Limit == 0) throw Invalid("limit", "limit is 0; it must be 1 or more");
    }

    /// <summary>A vector the collection can hold: <paramref name="vector"/>'s length is the collection's dimension.</summary>
    public static float[] CheckDimension(float[] vector, RoutingTable table, string field) =>
        vector.Length == table.Dimension
            ? vector
            : throw Invalid(field,
                $"Wrong input: Vector dimension error: expected dim: {table.Dimension}, got {vector.Length} (in {field}). Collection '{table.Collection}' holds {table.Dimension}-dimensional vectors (spec.dimension)");

    /// <summary>The unnamed vector only: named vectors are not part of a VectorCollection yet.</summary>
    public static void CheckVectorName(string? name, string field)
    {
        if (!string.IsNullOrEmpty(name))
        {
            throw Invalid(field, $"Wrong input: Not existing vector name error: {name}. The collection has one unnamed vector; leave '{field}' out");
        }
    }

    public static RouterRequestException ShardKeys() =>
        Unsupported("shard_key", "custom shard keys are not served: the router places points itself (spec.sharding); leave 'shard_key' out");

    public static RouterRequestException Unsupported(string field, string message) => RouterRequestException.BadRequest(message, field);

    public static RouterRequestException Invalid(string field, string message) => RouterRequestException.BadRequest(message, field);

    private static string Name(QueryVariant kind) => kind switch
    {
        QueryVariant.OrderBy => "order_by",
        QueryVariant.NearestWithMmr => "nearest with mmr",
        var other => other.ToString().ToLowerInvariant(),
    };
}
