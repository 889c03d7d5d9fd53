using RagOperator.Workload;

namespace RagOperator.Demo.Measurement;

/// <summary>
/// The share of points whose shard changed across a rebalancing, measured from two scans of the shards: one taken
/// before spec.shards was patched, one after the migration reached Done. Only points present in both scans count
/// (points inserted or deleted in between say nothing about placement).
/// </summary>
public sealed record MovedFraction(long Compared, long Moved)
{
    public double Value => Compared == 0 ? 0 : (double)Moved / Compared;

    /// <summary>(M-N)/M for growing N→M, (N-M)/N for shrinking: the share held by the shards that gain or lose cells.</summary>
    public static double Optimal(int fromShards, int toShards) =>
        (double)Math.Abs(toShards - fromShards) / Math.Max(fromShards, toShards);

    public static MovedFraction Measure(IReadOnlyDictionary<ulong, List<PointCopy>> before, IReadOnlyDictionary<ulong, List<PointCopy>> after)
    {
        long compared = 0, moved = 0;
        foreach (var (id, copiesBefore) in before)
        {
            if (copiesBefore.Count == 0 || !after.TryGetValue(id, out var copiesAfter) || copiesAfter.Count == 0) continue;
            compared++;

            // A point kept in place has the same single shard in both scans; anything else (a new shard, or extra
            // copies that the invariant check reports separately) means data crossed shards.
            if (!ShardsOf(copiesBefore).SetEquals(ShardsOf(copiesAfter))) moved++;
        }

        return new MovedFraction(compared, moved);
    }

    private static HashSet<int> ShardsOf(List<PointCopy> copies) => [.. copies.Select(c => c.Shard)];
}
