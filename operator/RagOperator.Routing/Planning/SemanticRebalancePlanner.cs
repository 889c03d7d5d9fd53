using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// Plans a shard-count change of a semantic collection as moves of whole cells (pure; no I/O). Semantic cells are few
/// and uneven, so the planner balances the <b>points</b> per shard (from per-cell counts) while moving as few points
/// as it can:
/// <list type="number">
/// <item>The new shards are ids 0..M-1. The cells of removed shards (ids ≥ M) must move; they go largest first to the
/// least loaded kept shard.</item>
/// <item>Then, while the heaviest shard is above <c>mean × (1 + tolerance)</c> or the lightest below
/// <c>mean × (1 − tolerance)</c>, one cell moves from the heaviest to the lightest shard: the one that best evens the
/// pair out, among the cells that make the heavier lighter without making the lighter heavier than it was. A cell that
/// moves back to its original owner costs nothing. At most 4 × cells steps.</item>
/// <item>A kept shard left with no cell (possible only when every cell is empty) takes the smallest cell of the shard
/// with the most cells, so every shard can serve reads.</item>
/// </list>
/// Going from N to N+1 shards with evenly filled cells moves about 1/(N+1) of the points, all to the new shard; the
/// summary states the points moved against the lower bound <see cref="PlanSummary.MinimumPointsMoved"/> (every point
/// on a removed shard plus every point a kept shard holds above the mean), which no cell plan can beat.
/// </summary>
public static class SemanticRebalancePlanner
{
    /// <summary>The relative slack around the mean within which a shard counts as balanced.</summary>
    public const double DefaultTolerance = 0.05;

    public static RebalancePlan Plan(CellAssignment current, IReadOnlyList<long> cellPoints, int newShardCount, double tolerance = DefaultTolerance)
    {
        if (cellPoints.Count != current.Slots)
        {
            throw new ArgumentException($"{cellPoints.Count} cell counts were given for {current.Slots} cells", nameof(cellPoints));
        }

        if (newShardCount < 1 || newShardCount > current.Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(newShardCount), newShardCount,
                $"the shard count must be between 1 and the number of cells ({current.Slots}); re-train with more cells to go further");
        }

        var weights = CellBalancer.Weights(cellPoints);
        var original = current.OwnerByCell();
        var owner = (int[])original.Clone();
        var loads = new long[newShardCount];
        var counts = new int[newShardCount];
        var orphans = new List<int>();
        for (var cell = 0; cell < owner.Length; cell++)
        {
            if (owner[cell] < newShardCount)
            {
                loads[owner[cell]] += weights[cell];
                counts[owner[cell]]++;
            }
            else
            {
                orphans.Add(cell);
            }
        }

        foreach (var cell in orphans.OrderByDescending(c => weights[c]).ThenBy(c => c))
        {
            var to = Lightest(loads, counts);
            Give(cell, to);
        }

        var total = weights.Sum();
        var mean = (double)total / newShardCount;
        for (var step = 0; step < 4 * owner.Length; step++)
        {
            var heavy = Heaviest(loads);
            var light = Lightest(loads, counts);
            if (loads[heavy] <= mean * (1 + tolerance) && loads[light] >= mean * (1 - tolerance)) break;
            var gap = loads[heavy] - loads[light];
            var best = -1;
            var bestScore = double.MaxValue;
            for (var cell = 0; cell < owner.Length; cell++)
            {
                if (owner[cell] != heavy || weights[cell] <= 0 || weights[cell] >= gap) continue;

                // Evenness first; between equally even moves, one that returns a cell to its original owner is free.
                var score = Math.Abs(gap - (2.0 * weights[cell])) + (original[cell] == light ? 0 : 0.5);
                if (score < bestScore)
                {
                    bestScore = score;
                    best = cell;
                }
            }

            if (best < 0) break;
            loads[heavy] -= weights[best];
            counts[heavy]--;
            Give(best, light);
        }

        for (var shard = 0; shard < newShardCount; shard++)
        {
            if (counts[shard] > 0) continue;
            var donor = Enumerable.Range(0, newShardCount).OrderByDescending(s => counts[s]).ThenBy(s => s).First();
            var cell = Enumerable.Range(0, owner.Length).Where(c => owner[c] == donor).OrderBy(c => weights[c]).ThenBy(c => c).First();
            loads[donor] -= weights[cell];
            counts[donor]--;
            Give(cell, shard);
        }

        var moves = ImmutableArray.CreateBuilder<CellMove>();
        foreach (var group in Enumerable.Range(0, owner.Length).Where(c => owner[c] != original[c]).GroupBy(c => (From: original[c], To: owner[c])).OrderBy(g => g.Key.From).ThenBy(g => g.Key.To))
        {
            moves.Add(new CellMove(CellSet.FromCells(group), group.Key.From, group.Key.To));
        }

        var moveList = moves.ToImmutable();
        var after = RebalancePlanner.ApplyMoves(current, moveList);
        var fromShards = current.Shards.Count(kv => !kv.Value.IsEmpty);
        var points = cellPoints.Sum();
        var moved = Enumerable.Range(0, owner.Length).Where(c => owner[c] != original[c]).Sum(c => cellPoints[c]);
        var realLoads = current.Shards.ToDictionary(kv => kv.Key, kv => kv.Value.Cells().Sum(c => cellPoints[c]));
        var realMean = (double)points / newShardCount;
        var minimum = (long)Math.Ceiling(realLoads.Sum(kv => kv.Key >= newShardCount ? kv.Value : Math.Max(0, kv.Value - realMean)));
        var summary = new PlanSummary(
            fromShards, newShardCount, current.Slots, moveList.Sum(m => m.Cells.Count), moveList.Sum(m => m.Cells.Count),
            (double)Math.Abs(newShardCount - fromShards) / Math.Max(newShardCount, fromShards),
            RebalancePlanner.HashModFractionMoved(fromShards, newShardCount), points, moved)
        {
            MinimumPointsMoved = minimum,
        };
        return new RebalancePlan(moveList, current, after, summary);

        void Give(int cell, int to)
        {
            owner[cell] = to;
            loads[to] += weights[cell];
            counts[to]++;
        }
    }

    private static int Heaviest(long[] loads)
    {
        var best = 0;
        for (var s = 1; s < loads.Length; s++)
        {
            if (loads[s] > loads[best]) best = s;
        }

        return best;
    }

    private static int Lightest(long[] loads, int[] counts)
    {
        var best = 0;
        for (var s = 1; s < loads.Length; s++)
        {
            if (loads[s] < loads[best] || (loads[s] == loads[best] && counts[s] < counts[best])) best = s;
        }

        return best;
    }
}
