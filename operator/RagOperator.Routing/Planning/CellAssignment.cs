using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// Which shard owns which cells: every cell 0..Slots-1 owned by exactly one shard. A shard may own no cells
/// (a new shard before its cells arrive, or a drained one).
/// </summary>
public sealed class CellAssignment
{
    public CellAssignment(int slots, IReadOnlyDictionary<int, CellSet> shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        var problems = new List<string>();
        var sorted = shards.ToImmutableSortedDictionary();
        OwnershipChecks.Check(slots, sorted.Select(kv => (kv.Key, kv.Value)), "shard", problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid cell assignment: " + string.Join("; ", problems), nameof(shards));
        }

        Slots = slots;
        Shards = sorted;
    }

    public int Slots { get; }

    /// <summary>Owned cells by shard id, in shard id order.</summary>
    public ImmutableSortedDictionary<int, CellSet> Shards { get; }

    public IEnumerable<int> ShardIds => Shards.Keys;

    public CellSet CellsOf(int shardId) => Shards.TryGetValue(shardId, out var cells) ? cells : CellSet.Empty;

    public long CountOf(int shardId) => CellsOf(shardId).Count;

    /// <summary>The owner of every cell, indexed by cell.</summary>
    public int[] OwnerByCell()
    {
        var owners = new int[Slots];
        foreach (var (shard, cells) in Shards)
        {
            foreach (var range in cells.Ranges)
            {
                owners.AsSpan(range.Start, range.Count).Fill(shard);
            }
        }

        return owners;
    }

    public override string ToString() => string.Join("; ", Shards.Select(kv => $"{kv.Key}: {kv.Value}"));
}
