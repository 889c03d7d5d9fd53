using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// Plans rebalancing as moves of whole cells (pure; no I/O).
/// <para>Targets: the new shards are ids 0..M-1; shards with other ids are removed (when shrinking, the highest
/// ids). Each kept shard gets <c>slots / M</c> cells, and the <c>slots % M</c> shards that already own the most
/// cells get one more, so every shard is within one cell of <c>slots / M</c> and the cells owned above target
/// (the cells that must move) are as few as possible.</para>
/// <para>Moves: every shard above target gives exactly its excess, taken from the end of its ranges so the
/// moved and kept cells stay contiguous; donors and receivers are matched in id order, one move per pair. No cell
/// moves twice and no shard at or below target gives anything, so shrinking a balanced assignment drains only the
/// removed shards.</para>
/// </summary>
public static class RebalancePlanner
{
    /// <summary>Contiguous, equal ranges for shards 0..N-1; the first <c>slots % N</c> shards get one cell more.</summary>
    public static CellAssignment InitialAssignment(int slots, int shardCount)
    {
        CheckShardCount(slots, shardCount);
        var owners = new Dictionary<int, CellSet>();
        var start = 0;
        for (var shard = 0; shard < shardCount; shard++)
        {
            var count = (slots / shardCount) + (shard < slots % shardCount ? 1 : 0);
            owners[shard] = CellSet.FromRange(start, start + count - 1);
            start += count;
        }

        return new CellAssignment(slots, owners);
    }

    /// <summary>Balanced cell counts for shards 0..M-1 that need the fewest moves from <paramref name="current"/>.</summary>
    public static ImmutableSortedDictionary<int, long> BalancedTargets(CellAssignment current, int newShardCount)
    {
        CheckShardCount(current.Slots, newShardCount);
        var baseCount = current.Slots / newShardCount;
        var extra = current.Slots % newShardCount;
        var ranked = Enumerable.Range(0, newShardCount)
            .OrderByDescending(current.CountOf)
            .ThenBy(id => id)
            .ToList();
        var targets = ImmutableSortedDictionary.CreateBuilder<int, long>();
        for (var i = 0; i < ranked.Count; i++)
        {
            targets[ranked[i]] = baseCount + (i < extra ? 1 : 0);
        }

        foreach (var removed in current.ShardIds.Where(id => !targets.ContainsKey(id)))
        {
            targets[removed] = 0;
        }

        return targets.ToImmutable();
    }

    /// <summary>
    /// The moves that balance <paramref name="current"/> over <paramref name="newShardCount"/> shards while moving
    /// the fewest cells. <paramref name="pointsByShard"/> (optional) estimates the points moved, assuming points
    /// spread evenly over a shard's cells.
    /// </summary>
    public static RebalancePlan Plan(CellAssignment current, int newShardCount, IReadOnlyDictionary<int, long>? pointsByShard = null)
    {
        var targets = BalancedTargets(current, newShardCount);
        var donors = new List<(int Shard, CellSet Cells)>();
        var receivers = new List<(int Shard, long Need)>();
        foreach (var (shard, target) in targets)
        {
            var owned = current.CountOf(shard);
            if (owned > target)
            {
                donors.Add((shard, current.CellsOf(shard).TakeLast(owned - target).Taken));
            }
            else if (owned < target)
            {
                receivers.Add((shard, target - owned));
            }
        }

        var moves = ImmutableArray.CreateBuilder<CellMove>();
        var receiver = 0;
        foreach (var (donor, surplus) in donors)
        {
            var left = surplus;
            while (!left.IsEmpty)
            {
                // Sum of surpluses equals sum of needs (both sides total the slots), so a receiver is always left.
                var (shard, need) = receivers[receiver];
                var (chunk, rest) = left.TakeLast(Math.Min(need, left.Count));
                moves.Add(new CellMove(chunk, donor, shard));
                left = rest;
                need -= chunk.Count;
                if (need == 0)
                {
                    receiver++;
                }
                else
                {
                    receivers[receiver] = (shard, need);
                }
            }
        }

        var moveList = moves.ToImmutable();
        var after = ApplyMoves(current, moveList);
        return new RebalancePlan(moveList, current, after, Summarize(current, newShardCount, targets, moveList, pointsByShard));
    }

    /// <summary>The ownership after the moves; throws if a move takes cells its source does not own.</summary>
    public static CellAssignment ApplyMoves(CellAssignment assignment, IEnumerable<CellMove> moves)
    {
        var owners = assignment.Shards.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var move in moves)
        {
            var from = owners.GetValueOrDefault(move.From, CellSet.Empty);
            if (!from.ContainsAll(move.Cells))
            {
                throw new ArgumentException($"move {move} takes cells {move.Cells.Except(from)} that shard {move.From} does not own", nameof(moves));
            }

            owners[move.From] = from.Except(move.Cells);
            owners[move.To] = owners.GetValueOrDefault(move.To, CellSet.Empty).Union(move.Cells);
        }

        return new CellAssignment(assignment.Slots, owners);
    }

    /// <summary>The share of uniformly hashed points whose <c>hash % from</c> differs from <c>hash % to</c>.</summary>
    public static double HashModFractionMoved(int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(from, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, 1);

        // x % N == x % M exactly for the min(N, M) residues a < min(N, M) of x modulo lcm(N, M).
        var lcm = (double)from / Gcd(from, to) * to;
        return 1 - (Math.Min(from, to) / lcm);
    }

    /// <summary>The share of the given hashes whose <c>hash % from</c> differs from <c>hash % to</c>.</summary>
    public static double HashModFractionMoved(IEnumerable<ulong> hashes, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(from, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(to, 1);
        long total = 0, moved = 0;
        foreach (var hash in hashes)
        {
            total++;
            if (hash % (ulong)from != hash % (ulong)to)
            {
                moved++;
            }
        }

        return total == 0 ? 0 : (double)moved / total;
    }

    private static PlanSummary Summarize(
        CellAssignment current, int newShardCount, IReadOnlyDictionary<int, long> targets, ImmutableArray<CellMove> moves,
        IReadOnlyDictionary<int, long>? pointsByShard)
    {
        var fromShards = current.Shards.Count(kv => !kv.Value.IsEmpty);
        var minimum = targets.Sum(kv => Math.Max(0, current.CountOf(kv.Key) - kv.Value));
        var theoretical = (double)Math.Abs(newShardCount - fromShards) / Math.Max(newShardCount, fromShards);
        long? totalPoints = null, pointsMoved = null;
        if (pointsByShard is not null)
        {
            totalPoints = pointsByShard.Values.Sum();
            var estimate = 0.0;
            foreach (var move in moves)
            {
                var owned = current.CountOf(move.From);
                estimate += owned == 0 ? 0 : pointsByShard.GetValueOrDefault(move.From) * ((double)move.Cells.Count / owned);
            }

            pointsMoved = (long)Math.Round(estimate);
        }

        return new PlanSummary(
            fromShards, newShardCount, current.Slots, moves.Sum(m => m.Cells.Count), minimum, theoretical,
            HashModFractionMoved(fromShards, newShardCount), totalPoints, pointsMoved);
    }

    private static void CheckShardCount(int slots, int shardCount)
    {
        if (shardCount < 1 || shardCount > slots)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"the shard count must be between 1 and the number of cells ({slots})");
        }
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
