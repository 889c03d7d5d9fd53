using RagOperator.InProcess.Qdrant.Filtering;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// Exact nearest-neighbour scans over one vector. Dense: every point holding the vector is compared (in parallel
/// partitions for large collections). Sparse: the dot product over shared indices, where Qdrant's inverted index
/// would only visit points sharing an index with the query, so points sharing none are left out here too. Ties are
/// broken by ascending id, so results are deterministic (Qdrant leaves ties in no particular order).
/// </summary>
internal sealed partial class InProcessCollection
{
    private const long ParallelSearchThreshold = 1 << 20; // points × dimension above which a search fans out

    /// <summary>A scored slot; scores are Qdrant's final ones (distances for Euclid and Manhattan).</summary>
    private readonly record struct Hit(int Slot, float Score);

    /// <summary>
    /// Exact top-<paramref name="top"/> search over the dense vector <paramref name="vectorName"/>.
    /// <paramref name="query"/> is already pre-processed.
    /// </summary>
    public IReadOnlyList<ScoredView> Search(
        string vectorName, float[] query, int top, FilterNode? filter, float? threshold, VectorSelection vectors) =>
        Read(() => ToViews(ScanDense(DenseNamed(vectorName), query, top, filter, threshold, slots: null), vectors));

    private IReadOnlyList<ScoredView> ToViews(IEnumerable<Hit> hits, VectorSelection vectors) =>
        hits.Select(hit => new ScoredView(_ids[hit.Slot], hit.Score, _payloads[hit.Slot], VectorsOf(hit.Slot, vectors), _versions[hit.Slot]))
            .ToArray();

    /// <summary>The best <paramref name="top"/> of the points (of <paramref name="slots"/> only, when given).</summary>
    private List<Hit> ScanDense(DenseColumn column, float[] query, int top, FilterNode? filter, float? threshold, int[]? slots)
    {
        var total = slots?.Length ?? _count;
        if (top <= 0 || total == 0)
        {
            return [];
        }

        var partitions = (long)total * column.Dimension >= ParallelSearchThreshold ? Math.Max(2, Environment.ProcessorCount * 2) : 1;
        var chunk = (total + partitions - 1) / partitions;
        var heaps = new PriorityQueue<int, (float Rank, PointKey Id)>[partitions];
        if (partitions == 1)
        {
            heaps[0] = ScanRange(column, query, slots, 0, total, top, filter, threshold);
        }
        else
        {
            Parallel.For(0, partitions, p =>
                heaps[p] = ScanRange(column, query, slots, p * chunk, Math.Min(total, (p + 1) * chunk), top, filter, threshold));
        }

        return heaps
            .SelectMany(heap => heap.UnorderedItems)
            .OrderByDescending(item => item.Priority.Rank)
            .ThenBy(item => item.Priority.Id)
            .Take(top)
            .Select(item => new Hit(item.Element, FinalScore(column.Distance, item.Priority.Rank)))
            .ToList();
    }

    private PriorityQueue<int, (float Rank, PointKey Id)> ScanRange(
        DenseColumn column, float[] query, int[]? slots, int from, int to, int top, FilterNode? filter, float? threshold)
    {
        // Min-heap on rank: the worst kept hit is on top; among equal ranks the larger id is the worse one.
        var heap = new PriorityQueue<int, (float Rank, PointKey Id)>(Math.Min(top, to - from) + 1, WorstFirst.Instance);
        for (var position = from; position < to; position++)
        {
            var slot = slots is null ? position : slots[position];
            if (!column.Has(slot) || (filter is not null && !filter.Matches(_ids[slot], _payloads[slot])))
            {
                continue;
            }

            var rank = Rank(column.Distance, query, column.Span(slot));
            if (threshold is { } limit && !PassesThreshold(column.Distance, FinalScore(column.Distance, rank), limit))
            {
                continue;
            }

            var entry = (rank, _ids[slot]);
            if (heap.Count < top)
            {
                heap.Enqueue(slot, entry);
            }
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare(entry, worst) > 0)
            {
                heap.DequeueEnqueue(slot, entry);
            }
        }

        return heap;
    }

    /// <summary>
    /// The best <paramref name="top"/> points by sparse dot product. With the <c>idf</c> modifier the query's values
    /// are first weighted by Qdrant's IDF over this collection's points that hold the vector.
    /// </summary>
    private List<Hit> ScanSparse(string name, SparseVectorValue query, int top, FilterNode? filter, float? threshold, int[]? slots)
    {
        var column = SparseNamed(name);
        if (top <= 0 || query.Indices.Length == 0)
        {
            return [];
        }

        if (Params.SparseVectors.TryGetValue(name, out var settings) && settings.Idf)
        {
            query = WeightByIdf(column, query);
        }

        var hits = new List<Hit>();
        var total = slots?.Length ?? _count;
        for (var position = 0; position < total; position++)
        {
            var slot = slots is null ? position : slots[position];
            if (column.Values[slot] is not { } stored || (filter is not null && !filter.Matches(_ids[slot], _payloads[slot])))
            {
                continue;
            }

            var score = stored.Dot(query, out var overlaps);
            if (overlaps && (threshold is not { } limit || score > limit))
            {
                hits.Add(new Hit(slot, score));
            }
        }

        return hits.OrderByDescending(hit => hit.Score).ThenBy(hit => _ids[hit.Slot]).Take(top).ToList();
    }

    /// <summary>
    /// Qdrant's IDF weighting: each query value times <c>ln((n - df + 0.5) / (df + 0.5) + 1)</c> in f32, where n is
    /// the number of stored non-empty vectors of this name and df the number of them holding the index. Qdrant counts
    /// per segment of its index; here the whole collection is one segment.
    /// </summary>
    private SparseVectorValue WeightByIdf(SparseColumn column, SparseVectorValue query)
    {
        var n = 0;
        var df = new int[query.Indices.Length];
        for (var slot = 0; slot < _count; slot++)
        {
            if (column.Values[slot] is not { Indices.Length: > 0 } stored)
            {
                continue;
            }

            n++;
            for (var i = 0; i < query.Indices.Length; i++)
            {
                if (Array.BinarySearch(stored.Indices, query.Indices[i]) >= 0)
                {
                    df[i]++;
                }
            }
        }

        var values = new float[query.Values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = query.Values[i] * Idf(n, df[i]);
        }

        return query.WithValues(values);
    }

    internal static float Idf(int n, int df) => MathF.Log(((float)n - df + 0.5f) / (df + 0.5f) + 1f);

    /// <summary>A higher-is-better rank for every distance; <see cref="FinalScore"/> turns it into Qdrant's score.</summary>
    private static float Rank(DistanceKind distance, ReadOnlySpan<float> query, ReadOnlySpan<float> stored) => distance switch
    {
        DistanceKind.Cosine or DistanceKind.Dot => VectorMath.Dot(query, stored),
        DistanceKind.Euclid => -VectorMath.SquaredEuclid(query, stored),
        _ => -VectorMath.Manhattan(query, stored),
    };

    /// <summary>Qdrant's post-processing: Euclid reports the distance (square root), Manhattan the absolute sum.</summary>
    private static float FinalScore(DistanceKind distance, float rank) => distance switch
    {
        DistanceKind.Euclid => MathF.Sqrt(MathF.Abs(rank)),
        DistanceKind.Manhattan => MathF.Abs(rank),
        _ => rank,
    };

    /// <summary>Qdrant's <c>check_threshold</c>: strictly better than the threshold.</summary>
    private static bool PassesThreshold(DistanceKind distance, float score, float threshold) =>
        DistanceKinds.LargerIsBetter(distance) ? score > threshold : score < threshold;

    private sealed class WorstFirst : IComparer<(float Rank, PointKey Id)>
    {
        public static WorstFirst Instance { get; } = new();

        public int Compare((float Rank, PointKey Id) x, (float Rank, PointKey Id) y)
        {
            var byRank = x.Rank.CompareTo(y.Rank);
            return byRank != 0 ? byRank : y.Id.CompareTo(x.Id);
        }
    }
}
