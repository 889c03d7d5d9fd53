namespace RagOperator.Routing;

/// <summary>What one training produced: the assigner, which shard owns which cell, and the points expected per cell.</summary>
/// <param name="CellPoints">Estimated points per cell: the sample's cluster sizes scaled to the collection's size.</param>
public sealed record SemanticPartition(SemanticCellAssigner Assigner, CellAssignment Ownership, long[] CellPoints, KMeansResult Training)
{
    /// <summary>Estimated points per shard under <see cref="Ownership"/>.</summary>
    public IReadOnlyDictionary<int, long> ShardPoints() => CellBalancer.Loads(Ownership, CellPoints);
}

/// <summary>The inputs of a training.</summary>
public sealed record SemanticTraining
{
    public required int Generation { get; init; }

    public required int Shards { get; init; }

    public required int CellsPerShard { get; init; }

    public required int Nprobe { get; init; }

    public required Distance Distance { get; init; }

    /// <summary>Points in the collection, to scale the sample's cluster sizes; the sample size when unknown.</summary>
    public long? TotalPoints { get; init; }

    public KMeansOptions KMeans { get; init; } = new();
}

/// <summary>
/// Turns a sample of the collection's vectors into a partition (pure): k-means with
/// <c>shards × cellsPerShard</c> centroids, cells assigned to shards so that the estimated <b>point</b> counts are
/// balanced (<see cref="CellBalancer.Balance"/>), and the centroids renumbered so that every shard owns one contiguous
/// range of cells (shard 0 the first, and so on) — the table then reads like a hash table's.
/// </summary>
public static class SemanticPartitioner
{
    public static SemanticPartition Train(IReadOnlyList<float[]> sample, SemanticTraining training)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(training.Shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(training.CellsPerShard, 1);
        var cells = training.Shards * training.CellsPerShard;
        if (cells > SemanticCellAssigner.MaxCells) throw new ArgumentException($"{cells} cells is above the limit of {SemanticCellAssigner.MaxCells}", nameof(training));
        var result = KMeans.Train(sample, cells, training.Distance, training.KMeans);
        var scale = training.TotalPoints is { } total && total > 0 ? (double)total / sample.Count : 1.0;
        var points = result.Sizes.Select(size => (long)Math.Round(size * scale)).ToArray();
        var owner = CellBalancer.Balance(points, training.Shards);

        // Renumber: cells of shard 0 first (in trained order), then shard 1, ... so each shard owns one range.
        var order = Enumerable.Range(0, cells).OrderBy(c => owner[c]).ThenBy(c => c).ToArray();
        var dimension = result.Dimension;
        var centroids = new float[cells * dimension];
        var renumbered = new long[cells];
        var sizes = new long[cells];
        var oldToNew = new int[cells];
        for (var newCell = 0; newCell < cells; newCell++)
        {
            var oldCell = order[newCell];
            oldToNew[oldCell] = newCell;
            result.Centroid(oldCell).CopyTo(centroids.AsSpan(newCell * dimension, dimension));
            renumbered[newCell] = points[oldCell];
            sizes[newCell] = result.Sizes[oldCell];
        }

        var ownership = new Dictionary<int, CellSet>();
        for (var shard = 0; shard < training.Shards; shard++)
        {
            ownership[shard] = CellSet.FromCells(Enumerable.Range(0, cells).Where(c => owner[order[c]] == shard));
        }

        var assigner = new SemanticCellAssigner(training.Generation, dimension, training.Distance, centroids, Math.Min(training.Nprobe, cells));
        var trained = result with
        {
            Centroids = centroids,
            Sizes = sizes,
            Assignment = [.. result.Assignment.Select(c => oldToNew[c])],
        };
        return new SemanticPartition(assigner, new CellAssignment(cells, ownership), renumbered, trained);
    }
}
