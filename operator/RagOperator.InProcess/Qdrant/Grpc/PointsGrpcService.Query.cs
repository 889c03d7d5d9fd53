using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Storage;
using static RagOperator.InProcess.Qdrant.Grpc.GrpcTranslation;
using QueryVariant = Qdrant.Client.Grpc.Query.VariantOneofCase;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>
/// Searches over gRPC, read into the same query trees the REST face builds: the legacy search (dense, named or
/// sparse), and the universal query with <c>using</c>, nested <c>prefetch</c>, nearest dense or sparse queries and
/// fusion (<c>Fusion.Rrf</c>, <c>Fusion.Dbsf</c>, parameterized <c>Rrf</c>). Other query kinds are refused by name.
/// </summary>
internal partial class PointsGrpcService
{
    private sealed record Plan(QueryNode Root, int Offset, PayloadSelection Payload, VectorSelection Vectors);

    private static Plan SearchPlan(InProcessCollection collection, SearchPoints search)
    {
        if (search.Limit == 0)
        {
            throw QdrantHttpError.BadInput("Validation error: limit: value 0 invalid, must be 1 or more");
        }

        var name = search.HasVectorName ? search.VectorName : null;
        var nearest = search.SparseIndices is { } indices
            ? new NearestScoring(name, null, ToSparse(indices.Data, search.Vector, "vector"))
            : new NearestScoring(name, search.Vector.ToArray(), null);
        var offset = Clamp(search.HasOffset ? search.Offset : 0);
        var root = new QueryNode(
            [], nearest, ToFilter(search.Filter, "filter"), search.HasScoreThreshold ? search.ScoreThreshold : null, Clamp(search.Limit) + offset);
        collection.CheckQuery(root);
        return new Plan(root, offset, ToSelection(search.WithPayload, defaultValue: false), ToWithVector(search.WithVectors));
    }

    private static Plan QueryPlan(InProcessCollection collection, QueryPoints query)
    {
        if (query.LookupFrom is not null || query.ShardKeySelector is not null)
        {
            throw QdrantHttpError.Unsupported(query.LookupFrom is not null ? "`lookup_from` in a query" : "`shard_key` in a query");
        }

        var offset = Clamp(query.HasOffset ? query.Offset : 0);
        var root = Node(
            query.Prefetch, query.Query, query.HasUsing ? query.Using : null, query.Filter,
            query.HasScoreThreshold ? query.ScoreThreshold : null, query.HasLimit ? query.Limit : null, offset);
        collection.CheckQuery(root);
        return new Plan(root, offset, ToSelection(query.WithPayload, defaultValue: false), ToWithVector(query.WithVectors));
    }

    private static QueryNode Node(
        IEnumerable<PrefetchQuery> prefetches, Query? query, string? usingName, Filter? filter, float? threshold, ulong? limit, int offset)
    {
        var prefetch = prefetches.Select(Prefetch).ToList();
        if (limit == 0)
        {
            throw QdrantHttpError.BadInput("Validation error: limit: value 0 invalid, must be 1 or more");
        }

        QueryScoring scoring = query?.VariantCase switch
        {
            QueryVariant.Nearest => Nearest(query.Nearest, usingName),
            QueryVariant.Fusion => new FusionScoring(query.Fusion == Fusion.Dbsf ? FusionKind.Dbsf : FusionKind.Rrf),
            QueryVariant.Rrf => new FusionScoring(
                FusionKind.Rrf, query.Rrf.HasK ? Clamp(query.Rrf.K) : FusionScoring.DefaultRrfK,
                query.Rrf.Weights.Count > 0 ? query.Rrf.Weights.ToArray() : null),
            null or QueryVariant.None when prefetch.Count > 0 => throw QdrantHttpError.QueryValidation("cannot have prefetches without a query"),
            null or QueryVariant.None => throw QdrantHttpError.Unsupported("A query without `query` (ordering by id)"),
            QueryVariant.NearestWithMmr => throw QdrantHttpError.Unsupported("MMR re-ranking"),
            var kind => throw QdrantHttpError.Unsupported($"The `{kind}` query"),
        };
        return new QueryNode(prefetch, scoring, ToFilter(filter, "filter"), threshold, Clamp(limit ?? 10) + offset);
    }

    private static QueryNode Prefetch(PrefetchQuery prefetch)
    {
        if (prefetch.LookupFrom is not null)
        {
            throw QdrantHttpError.Unsupported("`lookup_from` in a query");
        }

        return Node(
            prefetch.Prefetch, prefetch.Query, prefetch.HasUsing ? prefetch.Using : null, prefetch.Filter,
            prefetch.HasScoreThreshold ? prefetch.ScoreThreshold : null, prefetch.HasLimit ? prefetch.Limit : null, 0);
    }

    private static NearestScoring Nearest(VectorInput input, string? usingName) => input.VariantCase switch
    {
        VectorInput.VariantOneofCase.Dense => new NearestScoring(usingName, input.Dense.Data.ToArray(), null),
        VectorInput.VariantOneofCase.Sparse => new NearestScoring(usingName, null, ToSparse(input.Sparse.Indices, input.Sparse.Values, "query")),
        VectorInput.VariantOneofCase.Id => throw QdrantHttpError.Unsupported("Querying by point id"),
        _ => throw QdrantHttpError.Unsupported("Multi or inference query vectors"),
    };

    private static IEnumerable<ScoredPoint> Scored(InProcessCollection collection, Plan plan) =>
        collection.Query(plan.Root, plan.Offset, plan.Vectors).Select(hit => Scored(hit, plan.Payload));

    private static BatchResult Batch(InProcessCollection collection, Plan plan) => new() { Result = { Scored(collection, plan) } };

    private static ScoredPoint Scored(ScoredView hit, PayloadSelection payload)
    {
        var point = new ScoredPoint { Id = ToPointId(hit.Id), Score = hit.Score, Version = hit.Version, Vectors = VectorOutput(hit.Vectors) };
        AddPayload(point.Payload, hit.Payload, payload);
        return point;
    }
}
