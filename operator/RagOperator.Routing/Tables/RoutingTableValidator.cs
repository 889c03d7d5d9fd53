namespace RagOperator.Routing;

/// <summary>The consistency rules of a routing table, shared by parsing, building and re-validation.</summary>
internal static class RoutingTableValidator
{
    public static RoutingTableException Fail(string? collection, long version, List<string> problems)
    {
        var name = string.IsNullOrEmpty(collection) ? "routing table" : $"routing table {collection} v{version}";
        return new RoutingTableException($"{name} is invalid: {string.Join("; ", problems)}", problems.ToArray());
    }

    public static void Check(
        string collection, string @namespace, long version, CellAssigner assigner, int dimension, Distance distance,
        IReadOnlyList<RoutingShard> shards, TableMigration? migration, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(collection))
        {
            problems.Add("collection is empty");
        }

        if (string.IsNullOrWhiteSpace(@namespace))
        {
            problems.Add("namespace is empty");
        }

        if (version < 1)
        {
            problems.Add($"version {version} is invalid: versions start at 1");
        }

        if (dimension < 1)
        {
            problems.Add($"dimension {dimension} is invalid: it must be at least 1");
        }

        if (!Enum.IsDefined(distance))
        {
            problems.Add($"distance {distance} is unknown; expected Cosine, Dot, Euclid or Manhattan");
        }

        CheckAssigner(assigner, dimension, distance, "", problems);
        if (shards.Count == 0)
        {
            problems.Add("the table has no shards");
            return;
        }

        var ids = new HashSet<int>();
        foreach (var shard in shards)
        {
            if (shard.Id < 0)
            {
                problems.Add($"shard id {shard.Id} is negative");
            }

            if (!ids.Add(shard.Id))
            {
                problems.Add($"shard id {shard.Id} appears more than once");
            }

            if (!Uri.TryCreate(shard.Endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add($"shard {shard.Id}: endpoint '{shard.Endpoint}' is not an absolute http(s) URL");
            }
        }

        if (problems.Count == 0)
        {
            OwnershipChecks.Check(assigner.CellCount, shards.Select(s => (s.Id, s.Cells)), "shard", problems);
        }

        if (migration?.Next is { } next)
        {
            CheckRepartition(assigner, dimension, distance, ids, migration, next, problems);
        }
        else if (migration is not null)
        {
            CheckMigration(assigner.CellCount, shards, ids, migration, problems);
        }
    }

    /// <summary>A semantic assigner must agree with the table's dimension and distance (its centroids are compared with the vectors).</summary>
    private static void CheckAssigner(CellAssigner assigner, int dimension, Distance distance, string where, List<string> problems)
    {
        if (assigner is not SemanticCellAssigner semantic) return;
        if (dimension >= 1 && semantic.Dimension != dimension)
        {
            problems.Add($"{where}semantic centroids have {semantic.Dimension} components but the collection's dimension is {dimension}");
        }

        if (semantic.Distance != distance)
        {
            problems.Add($"{where}semantic centroids were trained for distance {semantic.Distance} but the collection's distance is {distance}");
        }
    }

    private static void CheckRepartition(
        CellAssigner assigner, int dimension, Distance distance, HashSet<int> ids, TableMigration migration, Repartition next, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(migration.Id))
        {
            problems.Add("migration.id is empty");
        }

        if (!Enum.IsDefined(migration.Rule))
        {
            problems.Add($"migration.rule {migration.Rule} is unknown; expected ReadOldWriteBoth, ReadNewWriteBoth or ReadNewWriteNew");
        }

        if (!migration.Moves.IsDefaultOrEmpty)
        {
            problems.Add("a re-partition (migration.next) moves points by their new cell, so migration.moves must be empty");
        }

        CheckAssigner(next.Assigner, dimension, distance, "migration.next: ", problems);
        if (next.Assigner.KeyOffset == assigner.KeyOffset)
        {
            problems.Add($"migration.next must be another partition generation than the table's own (both stamp keys from {assigner.KeyOffset}); the two numberings would be confused on the shards");
        }

        if (next.Ownership.Slots != next.Assigner.CellCount)
        {
            problems.Add($"migration.next.shards cover {next.Ownership.Slots} cells but the next assigner has {next.Assigner.CellCount}");
        }

        foreach (var shard in next.Ownership.Shards.Where(kv => !kv.Value.IsEmpty).Select(kv => kv.Key).Where(id => !ids.Contains(id)))
        {
            problems.Add($"migration.next gives cells to shard {shard}, which is not in the table");
        }
    }

    private static void CheckMigration(int cellCount, IReadOnlyList<RoutingShard> shards, HashSet<int> ids, TableMigration migration, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(migration.Id))
        {
            problems.Add("migration.id is empty");
        }

        if (!Enum.IsDefined(migration.Rule))
        {
            problems.Add($"migration.rule {migration.Rule} is unknown; expected ReadOldWriteBoth, ReadNewWriteBoth or ReadNewWriteNew");
        }

        if (migration.Moves.IsDefaultOrEmpty)
        {
            problems.Add("migration has no moves; publish a stable table instead");
            return;
        }

        var owned = shards.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First().Cells);
        for (var i = 0; i < migration.Moves.Length; i++)
        {
            var move = migration.Moves[i];
            var where = $"migration move {i} ({move.Cells} from shard {move.From} to shard {move.To})";
            if (move.Cells.IsEmpty)
            {
                problems.Add($"{where} moves no cells");
                continue;
            }

            if (move.Cells.Max >= cellCount)
            {
                problems.Add($"{where} names cells beyond the last cell {cellCount - 1}");
            }

            if (move.From == move.To)
            {
                problems.Add($"{where} moves cells from a shard to itself");
            }

            if (!ids.Contains(move.To))
            {
                problems.Add($"{where} targets shard {move.To}, which is not in the table");
            }

            if (!owned.TryGetValue(move.From, out var fromCells))
            {
                problems.Add($"{where} starts from shard {move.From}, which is not in the table");
            }
            else if (!fromCells.ContainsAll(move.Cells))
            {
                var missing = move.Cells.Except(fromCells);
                problems.Add($"{where}: shard {move.From} does not own {OwnershipChecks.Describe(missing)} (moves start from the ownership in shards[].cells)");
            }

            for (var j = 0; j < i; j++)
            {
                var twice = migration.Moves[j].Cells.Intersect(move.Cells);
                if (!twice.IsEmpty)
                {
                    problems.Add($"migration moves {j} and {i} both move {OwnershipChecks.Describe(twice)}");
                }
            }
        }
    }
}
