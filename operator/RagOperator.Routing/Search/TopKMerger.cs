namespace RagOperator.Routing;

/// <summary>
/// Merges per-shard hit lists into the global top-k. Qdrant's scores are comparable across shards of one
/// collection, but their direction depends on the distance: Cosine and Dot return a similarity (higher is better),
/// Euclid and Manhattan return the distance itself (lower is better).
/// <para>Order: better score first; equal scores by point id (<see cref="PointKey"/> order: integers numerically,
/// then UUIDs); then by shard id. A NaN score ranks last. An id returned by several shards (a copy during a
/// migration that was not filtered out) is kept once, with its best-ranked hit.</para>
/// <para>The result equals the top-k of one exact search over the union of the shards' points when each shard
/// returns its own top-k under the same order; when shards break score ties differently at their k-th place,
/// the merged scores are still exact but a tied id may differ.</para>
/// </summary>
public static class TopKMerger
{
    public static List<ShardHit<TPayload>> Merge<TPayload>(IEnumerable<IEnumerable<ShardHit<TPayload>>> shardResults, int topK, Distance distance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        var comparer = HitComparer<TPayload>.For(distance);
        var best = new Dictionary<PointKey, ShardHit<TPayload>>();
        foreach (var hits in shardResults)
        {
            foreach (var hit in hits)
            {
                if (!best.TryGetValue(hit.Id, out var seen) || comparer.Compare(hit, seen) < 0)
                {
                    best[hit.Id] = hit;
                }
            }
        }

        // Keep the k best in a bounded heap whose root is the worst kept hit: O(n log k) for n hits.
        var heap = new PriorityQueue<ShardHit<TPayload>, ShardHit<TPayload>>(topK + 1, Comparer<ShardHit<TPayload>>.Create((a, b) => comparer.Compare(b, a)));
        foreach (var hit in best.Values)
        {
            if (heap.Count < topK)
            {
                heap.Enqueue(hit, hit);
            }
            else if (comparer.Compare(hit, heap.Peek()) < 0)
            {
                heap.EnqueueDequeue(hit, hit);
            }
        }

        var result = new List<ShardHit<TPayload>>(heap.Count);
        while (heap.Count > 0)
        {
            result.Add(heap.Dequeue());
        }

        result.Reverse();
        return result;
    }

    /// <summary>The merge order for a distance: negative when <paramref name="a"/> ranks before <paramref name="b"/>.</summary>
    public static int Compare<TPayload>(ShardHit<TPayload> a, ShardHit<TPayload> b, Distance distance) =>
        HitComparer<TPayload>.For(distance).Compare(a, b);

    private sealed class HitComparer<TPayload>(bool higherIsBetter) : IComparer<ShardHit<TPayload>>
    {
        private static readonly HitComparer<TPayload> Descending = new(true);
        private static readonly HitComparer<TPayload> Ascending = new(false);

        public static HitComparer<TPayload> For(Distance distance) => distance.HigherIsBetter() ? Descending : Ascending;

        public int Compare(ShardHit<TPayload>? a, ShardHit<TPayload>? b)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(b);
            var byScore = CompareScores(a.Score, b.Score);
            if (byScore != 0)
            {
                return byScore;
            }

            var byId = a.Id.CompareTo(b.Id);
            return byId != 0 ? byId : a.Shard.CompareTo(b.Shard);
        }

        private int CompareScores(double a, double b)
        {
            if (double.IsNaN(a) || double.IsNaN(b))
            {
                return double.IsNaN(a) ? (double.IsNaN(b) ? 0 : 1) : -1;
            }

            return higherIsBetter ? b.CompareTo(a) : a.CompareTo(b);
        }
    }
}
