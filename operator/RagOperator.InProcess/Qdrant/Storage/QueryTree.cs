using RagOperator.InProcess.Qdrant.Filtering;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>What a query (or one of its prefetches) scores points by.</summary>
internal abstract record QueryScoring;

/// <summary>
/// Nearest neighbours by the vector named <see cref="Using"/> (null is the unnamed vector): a dense query, already
/// checked and pre-processed by <see cref="InProcessCollection.CheckQuery"/>, or a sparse one.
/// </summary>
internal sealed record NearestScoring(string? Using, float[]? Dense, SparseVectorValue? Sparse) : QueryScoring
{
    public string VectorName => Using ?? string.Empty;
}

/// <summary>Fusion of the prefetches' results: RRF (with its <c>k</c> and optional weights) or DBSF.</summary>
internal sealed record FusionScoring(FusionKind Kind, int K = FusionScoring.DefaultRrfK, IReadOnlyList<float>? Weights = null) : QueryScoring
{
    /// <summary>Qdrant's default RRF constant.</summary>
    public const int DefaultRrfK = 2;
}

internal enum FusionKind
{
    Rrf,
    Dbsf,
}

/// <summary>
/// A query of the universal query API, or one of its prefetches: its own prefetches, how it scores, its filter,
/// score threshold and limit (for the root: limit plus offset; the offset is dropped at the end).
/// </summary>
internal sealed record QueryNode(IReadOnlyList<QueryNode> Prefetch, QueryScoring Scoring, FilterNode? Filter, float? Threshold, int Limit);
