namespace RagOperator.Routing;

/// <summary>
/// Gives cells of uneven size to shards so that the shards' point counts, not their cell counts, are balanced (pure).
/// Longest-processing-time first: cells from the largest down, each to the shard with the fewest points so far (ties:
/// fewer cells, then the lower id). Every shard gets at least one cell when there are at least as many cells as shards,
/// and the heaviest shard exceeds the mean by at most the largest cell. When every cell is empty, the cell counts are
/// balanced instead.
/// </summary>
public static class CellBalancer
{
    /// <summary>The owner of every cell, shards 0..<paramref name="shards"/>-1.</summary>
    public static int[] Balance(IReadOnlyList<long> cellPoints, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        if (cellPoints.Count < shards)
        {
            throw new ArgumentException($"{cellPoints.Count} cells cannot give each of {shards} shards a cell", nameof(cellPoints));
        }

        var weights = Weights(cellPoints);
        var loads = new long[shards];
        var counts = new int[shards];
        var owner = new int[cellPoints.Count];
        foreach (var cell in Enumerable.Range(0, cellPoints.Count).OrderByDescending(c => weights[c]).ThenBy(c => c))
        {
            var best = 0;
            for (var s = 1; s < shards; s++)
            {
                if (loads[s] < loads[best] || (loads[s] == loads[best] && counts[s] < counts[best])) best = s;
            }

            owner[cell] = best;
            loads[best] += weights[cell];
            counts[best]++;
        }

        return owner;
    }

    /// <summary>Points per shard of an assignment, given the points per cell.</summary>
    public static IReadOnlyDictionary<int, long> Loads(CellAssignment ownership, IReadOnlyList<long> cellPoints) =>
        ownership.Shards.ToDictionary(kv => kv.Key, kv => kv.Value.Cells().Sum(c => cellPoints[c]));

    /// <summary>Points as weights; all ones when every cell is empty, so an empty collection still spreads its cells.</summary>
    internal static long[] Weights(IReadOnlyList<long> cellPoints) =>
        cellPoints.All(p => p <= 0) ? [.. cellPoints.Select(_ => 1L)] : [.. cellPoints.Select(p => Math.Max(0, p))];
}
