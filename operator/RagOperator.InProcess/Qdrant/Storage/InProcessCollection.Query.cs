using RagOperator.InProcess.Qdrant.Filtering;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// The universal query API over one collection, planned as Qdrant plans it: the root filter is merged into every
/// prefetch down to the leaves; a leaf searches the collection; a query over prefetches either fuses their results
/// (RRF or DBSF, then the score threshold, kept while scores are at least it, then the limit) or re-scores just the
/// prefetched points with its own nearest query. The root's limit includes the offset, which is dropped at the end.
/// The whole query runs under one read lock, so it sees one state of the collection.
/// </summary>
internal sealed partial class InProcessCollection
{
    /// <summary>
    /// Checks a query tree against the collection before it runs (vector names and kinds, dimensions, fusions that
    /// need prefetches, RRF weights) with Qdrant's errors, and pre-processes its dense query vectors in place.
    /// </summary>
    public void CheckQuery(QueryNode node)
    {
        switch (node.Scoring)
        {
            case NearestScoring { Dense: { } dense } nearest:
                PrepareVector(nearest.VectorName, dense);
                break;
            case NearestScoring nearest:
                SparseNamed(nearest.VectorName);
                break;
            case FusionScoring fusion:
                if (node.Prefetch.Count == 0)
                {
                    throw QdrantHttpError.QueryValidation("cannot apply Fusion without prefetches");
                }

                if (fusion.Weights is { } weights && weights.Count != node.Prefetch.Count)
                {
                    throw QdrantHttpError.QueryValidation(
                        $"RRF weights length ({weights.Count}) does not match number of prefetches ({node.Prefetch.Count})");
                }

                break;
        }

        foreach (var prefetch in node.Prefetch)
        {
            CheckQuery(prefetch);
        }
    }

    /// <summary>Runs a checked query tree; the root's limit already counts <paramref name="offset"/>.</summary>
    public IReadOnlyList<ScoredView> Query(QueryNode root, int offset, VectorSelection vectors) =>
        Read(() => ToViews(Run(root, inherited: null).Skip(offset), vectors));

    private List<Hit> Run(QueryNode node, FilterNode? inherited)
    {
        var filter = inherited is null ? node.Filter
            : node.Filter is null ? inherited
            : new BooleanFilter([inherited, node.Filter], null, null, null, 0);
        if (node.Prefetch.Count == 0)
        {
            return Score(node.Scoring, node.Limit, filter, node.Threshold, slots: null);
        }

        var sources = node.Prefetch.Select(prefetch => Run(prefetch, filter)).ToList();
        if (node.Scoring is FusionScoring fusion)
        {
            var fused = fusion.Kind == FusionKind.Rrf ? FuseRrf(sources, fusion) : FuseDbsf(sources);
            return fused
                .TakeWhile(hit => node.Threshold is not { } threshold || hit.Score >= threshold)
                .Take(node.Limit)
                .ToList();
        }

        // The filter was applied in the leaves; re-scoring looks at the prefetched points only.
        var prefetched = sources.SelectMany(source => source).Select(hit => hit.Slot).Distinct().Order().ToArray();
        return Score(node.Scoring, node.Limit, filter: null, node.Threshold, prefetched);
    }

    private List<Hit> Score(QueryScoring scoring, int limit, FilterNode? filter, float? threshold, int[]? slots) => scoring switch
    {
        NearestScoring { Dense: { } dense } nearest => ScanDense(DenseNamed(nearest.VectorName), dense, limit, filter, threshold, slots),
        NearestScoring { Sparse: { } sparse } nearest => ScanSparse(nearest.VectorName, sparse, limit, filter, threshold, slots),
        _ => throw QdrantHttpError.QueryValidation("cannot apply Fusion without prefetches"),
    };

    /// <summary>
    /// Qdrant's reciprocal rank fusion: a point at 0-based position p of a source with weight w gains
    /// <c>1 / ((p + 1) / w + k - 1)</c>, which is <c>1 / (p + k)</c> at the default weight 1 (and k = 2).
    /// </summary>
    private List<Hit> FuseRrf(List<List<Hit>> sources, FusionScoring fusion)
    {
        var scores = new Dictionary<int, float>();
        for (var source = 0; source < sources.Count; source++)
        {
            var weight = fusion.Weights?[source] ?? 1f;
            for (var position = 0; position < sources[source].Count; position++)
            {
                var gain = weight <= 0f ? 0f : 1f / ((position + 1) / weight + fusion.K - 1f);
                var slot = sources[source][position].Slot;
                scores[slot] = scores.GetValueOrDefault(slot) + gain;
            }
        }

        return Ranked(scores);
    }

    /// <summary>
    /// Qdrant's distribution-based score fusion: each source's scores are mapped from [mean − 3σ, mean + 3σ] (sample
    /// standard deviation, Welford's method in f32) onto [0, 1] (0.5 for a single point or no spread), then summed.
    /// </summary>
    private List<Hit> FuseDbsf(List<List<Hit>> sources)
    {
        var scores = new Dictionary<int, float>();
        foreach (var source in sources)
        {
            foreach (var (slot, normalized) in NormalizeDistribution(source))
            {
                scores[slot] = scores.GetValueOrDefault(slot) + normalized;
            }
        }

        return Ranked(scores);
    }

    private static IEnumerable<(int Slot, float Score)> NormalizeDistribution(List<Hit> source)
    {
        if (source.Count < 2)
        {
            return source.Select(hit => (hit.Slot, 0.5f));
        }

        var mean = 0f;
        var aggregate = 0f;
        for (var k = 1; k <= source.Count; k++)
        {
            var oldDelta = source[k - 1].Score - mean;
            mean += oldDelta / k;
            aggregate += oldDelta * (source[k - 1].Score - mean);
        }

        var deviation = MathF.Sqrt(aggregate / (source.Count - 1f));
        var min = mean - 3f * deviation;
        var max = mean + 3f * deviation;
        return min == max
            ? source.Select(hit => (hit.Slot, 0.5f))
            : source.Select(hit => (hit.Slot, (hit.Score - min) / (max - min)));
    }

    private List<Hit> Ranked(Dictionary<int, float> scores) =>
        scores.OrderByDescending(entry => entry.Value).ThenBy(entry => _ids[entry.Key]).Select(entry => new Hit(entry.Key, entry.Value)).ToList();
}
