namespace RagOperator.Routing.Tests;

/// <summary>A clock the test moves by hand, including backwards.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long ticks = start.UtcTicks;

    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref ticks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref ticks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}

/// <summary>Random but valid routing tables, for property tests.</summary>
internal static class RandomTables
{
    public static RoutingTable Create(Random random, MigrationRule? forcedRule = null, bool allowStable = true)
    {
        var slots = random.Next(1, 3000);
        var shardCount = random.Next(1, Math.Min(slots, 12) + 1);

        // Non-contiguous shard ids, some of which may end up owning nothing.
        var ids = Enumerable.Range(0, 40).OrderBy(_ => random.Next()).Take(shardCount).ToArray();
        var owners = RandomOwnership(random, slots, ids);
        var shards = ids.Select(id => new RoutingShard(id, $"http://docs-shard-{id}.default.svc:6333", owners.GetValueOrDefault(id, CellSet.Empty)));

        TableMigration? migration = null;
        if (ids.Length > 1 && (!allowStable || random.Next(4) != 0))
        {
            var moves = RandomMoves(random, owners, ids);
            if (moves.Count > 0)
            {
                var rule = forcedRule ?? (MigrationRule)random.Next(3);
                migration = new TableMigration($"m-{random.Next(1000)}", rule, [.. moves]);
            }
        }

        return RoutingTable.Create("docs", "default", random.Next(1, 1000), new HashCellAssigner(slots), random.Next(1, 2048),
            (Distance)random.Next(4), shards, migration);
    }

    /// <summary>Cuts 0..slots-1 into random runs, each owned by a random shard.</summary>
    public static Dictionary<int, CellSet> RandomOwnership(Random random, int slots, int[] ids)
    {
        var cells = new Dictionary<int, List<CellRange>>();
        var start = 0;
        while (start < slots)
        {
            var length = random.Next(1, Math.Max(2, slots / 4));
            var end = Math.Min(slots - 1, start + length - 1);
            var owner = ids[random.Next(ids.Length)];
            if (!cells.TryGetValue(owner, out var list))
            {
                cells[owner] = list = [];
            }

            list.Add(new CellRange(start, end));
            start = end + 1;
        }

        return cells.ToDictionary(kv => kv.Key, kv => CellSet.FromRanges(kv.Value));
    }

    private static List<CellMove> RandomMoves(Random random, Dictionary<int, CellSet> owners, int[] ids)
    {
        var moves = new List<CellMove>();
        foreach (var (from, cells) in owners)
        {
            if (random.Next(2) == 0)
            {
                continue;
            }

            // Move a random sub-range of each of some of the shard's ranges to another shard.
            var moved = new List<CellRange>();
            foreach (var range in cells.Ranges.Where(_ => random.Next(2) == 0))
            {
                var a = random.Next(range.Start, range.End + 1);
                var b = random.Next(a, range.End + 1);
                moved.Add(new CellRange(a, b));
            }

            var targets = ids.Where(id => id != from).ToArray();
            if (moved.Count > 0)
            {
                moves.Add(new CellMove(CellSet.FromRanges(moved), from, targets[random.Next(targets.Length)]));
            }
        }

        return moves;
    }
}
