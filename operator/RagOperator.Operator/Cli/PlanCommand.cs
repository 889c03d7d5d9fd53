using System.CommandLine;
using System.Globalization;
using System.Text;
using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Rendering;
using RagOperator.Routing;

namespace RagOperator.Operator.Cli;

/// <summary>
/// <c>rag-operator plan --file manifest.yaml --to-shards N [--points-per-shard P]</c>: shows, before anything runs, the
/// stream migration the operator would plan when the collections in the manifest go from their <c>spec.shards</c> to
/// N shards: every move (cells as ranges, from, to), the cells and the estimated points moved, and the fraction of the
/// data moved against the optimum and against <c>hash % N</c> sharding. No cluster needed; the current ownership is
/// the one the operator gives a collection of <c>spec.shards</c> shards when it creates it.
/// <para>Semantic collections: with <c>--routing-table FILE</c> (the published table, e.g.
/// <c>kubectl get cm docs-routing -o jsonpath='{.data.routing\.json}'</c>) of a trained partition, the plan moves whole
/// semantic cells balancing points (<see cref="SemanticRebalancePlanner"/>), and lists each move's cells with their
/// points, from <c>--points-per-cell</c> (one number, or one per cell) or, failing that, <c>--points-per-shard</c> spread
/// evenly over each shard's cells. Without a trained table the collection is still routed by hash (provisional) and
/// the hash plan is shown.</para>
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var files = new Option<FileInfo[]>("--file", "-f")
        {
            Description = "Manifest file with VectorCollections (repeatable).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var toShards = new Option<int>("--to-shards") { Description = "The new shard count.", Required = true };
        var points = new Option<string?>("--points-per-shard")
        {
            Description = "Points stored per shard, to estimate the points moved: one number for every shard, or a comma-separated list in shard order.",
        };
        var collection = new Option<string?>("--collection") { Description = "Plan only the collection of this name." };
        var routingTable = new Option<FileInfo?>("--routing-table") { Description = "Semantic collections: the published routing table (routing.json) of the trained partition." };
        var cellPoints = new Option<string?>("--points-per-cell") { Description = "Semantic collections: points per cell, one number or a comma-separated list in cell order." };
        var command = new Command("plan", "Print the cell moves of a shard-count change and what they cost.") { files, toShards, points, collection, routingTable, cellPoints };
        command.SetAction(parse =>
        {
            try
            {
                var table = parse.GetValue(routingTable) is { } file
                    ? file.Exists ? RoutingTable.Parse(File.ReadAllText(file.FullName)) : throw new ArgumentException($"--routing-table: {file} not found")
                    : null;
                Console.Out.Write(Plan(parse.GetValue(files)!, parse.GetValue(toShards), parse.GetValue(points), parse.GetValue(collection), table, parse.GetValue(cellPoints)));
                return 0;
            }
            catch (Exception e) when (e is ManifestException or ArgumentException or FormatException or RoutingTableException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The report for every (or the named) collection of the files.</summary>
    public static string Plan(IEnumerable<FileInfo> files, int toShards, string? pointsPerShard, string? only, RoutingTable? table = null, string? pointsPerCell = null)
    {
        var inputs = new List<(string, string)>();
        foreach (var file in files)
        {
            if (!file.Exists) throw new ManifestException(file.ToString(), null, "file not found");
            inputs.Add((file.ToString(), File.ReadAllText(file.FullName)));
        }

        var collections = ManifestReader.Read(inputs, "default").Collections.Where(c => only is null || c.Metadata.Name == only).ToList();
        if (collections.Count == 0)
        {
            throw new ArgumentException(only is null ? "the files hold no VectorCollection" : $"the files hold no VectorCollection named {only}");
        }

        var text = new StringBuilder();
        foreach (var vc in collections)
        {
            if (text.Length > 0) text.AppendLine();
            var name = $"{vc.Metadata.Namespace}/{vc.Metadata.Name}";
            if (vc.Spec.Sharding.Strategy == ShardingStrategy.Semantic && table?.Assigner is SemanticCellAssigner && table.Collection == vc.Metadata.Name)
            {
                text.Append(FormatSemantic(name, table, toShards, pointsPerCell, pointsPerShard));
                continue;
            }

            if (vc.Spec.Sharding.Strategy == ShardingStrategy.Semantic)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"Collection {name} is semantic but no trained routing table was given (--routing-table): it is routed by hash until it holds {vc.Spec.Sharding.Semantic.TrainAfterPoints} points, so the hash plan follows.");
            }

            var points = ParsePoints(pointsPerShard, vc.Spec.Shards);
            text.Append(Format(name, PlanFor(vc, toShards, points), points));
        }

        return text.ToString();
    }

    /// <summary>The plan for a collection created with its spec.shards, going to <paramref name="toShards"/>.</summary>
    public static RebalancePlan PlanFor(VectorCollection collection, int toShards, IReadOnlyDictionary<int, long>? pointsByShard)
    {
        var slots = collection.Spec.Sharding.Slots;
        if (toShards < 1 || toShards > slots) throw new ArgumentException($"--to-shards must be between 1 and the number of cells ({slots})");
        return RebalancePlanner.Plan(RebalancePlanner.InitialAssignment(slots, collection.Spec.Shards), toShards, pointsByShard);
    }

    /// <summary>"1000" for every shard, or "1000,1200,900" in shard order; null when not given.</summary>
    public static IReadOnlyDictionary<int, long>? ParsePoints(string? text, int shards)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = parts.Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"--points-per-shard: '{p}' is not a non-negative whole number")).ToList();
        if (values.Count != 1 && values.Count != shards)
        {
            throw new ArgumentException($"--points-per-shard has {values.Count} values but the collection has {shards} shards; give one value or one per shard");
        }

        return Enumerable.Range(0, shards).ToDictionary(i => i, i => values.Count == 1 ? values[0] : values[i]);
    }

    /// <summary>The human-readable report of a plan.</summary>
    public static string Format(string collection, RebalancePlan plan, IReadOnlyDictionary<int, long>? pointsByShard = null)
    {
        var s = plan.Summary;
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Collection {collection}: {s.FromShards} -> {s.ToShards} shards, {s.TotalCells} cells");
        if (!plan.AddedShards.IsEmpty) text.AppendLine(inv, $"Shards added (created and ready before copying): {string.Join(", ", plan.AddedShards)}");
        if (!plan.DrainedShards.IsEmpty) text.AppendLine(inv, $"Shards drained (removed after cleanup): {string.Join(", ", plan.DrainedShards)}");
        text.AppendLine(inv, $"Moves ({plan.Moves.Length}):");
        foreach (var move in plan.Moves)
        {
            text.Append(inv, $"  cells {move.Cells,-24} ({move.Cells.Count} cells)  shard {move.From} -> shard {move.To}");
            if (pointsByShard is not null)
            {
                // Points are assumed spread evenly over a shard's cells, as the planner's own estimate does.
                var owned = plan.Before.CountOf(move.From);
                var points = owned == 0 ? 0 : (long)Math.Round((double)pointsByShard.GetValueOrDefault(move.From) * move.Cells.Count / owned);
                text.Append(inv, $"  ~{points} points");
            }

            text.AppendLine();
        }

        text.AppendLine(inv, $"Cells moved: {s.CellsMoved} of {s.TotalCells} ({s.FractionMoved:P2})");
        if (s.EstimatedPointsMoved is { } moved && s.TotalPoints is { } total)
        {
            text.AppendLine(inv, $"Points moved (estimated): {moved} of {total} ({(total == 0 ? 0 : (double)moved / total):P2})");
        }

        text.AppendLine(inv, $"Optimum: {s.MinimumCellsMoved} cells ({s.MinimumFraction:P2}); theoretical |M-N|/max(M,N) = {s.TheoreticalFraction:P2}");
        text.AppendLine(inv, $"hash % N baseline: {s.HashModBaselineFraction:P2} of the points would move");
        text.AppendLine(inv, $"Fraction moved vs optimum: {Ratio(s.FractionMoved, s.MinimumFraction)}; vs hash % N: {Ratio(s.FractionMoved, s.HashModBaselineFraction)}");
        return text.ToString();
    }

    /// <summary>The plan of a trained semantic collection: whole cells move, points are balanced.</summary>
    public static string FormatSemantic(string collection, RoutingTable table, int toShards, string? pointsPerCell, string? pointsPerShard)
    {
        var current = table.IsStable ? table.OldAssignment() : throw new ArgumentException($"routing table v{table.Version} has a migration in progress; plan from a stable table");
        var cellPoints = CellPoints(current, pointsPerCell, pointsPerShard);
        var plan = SemanticRebalancePlanner.Plan(current, cellPoints, toShards);
        var s = plan.Summary;
        var inv = CultureInfo.InvariantCulture;
        var assigner = (SemanticCellAssigner)table.Assigner;
        var text = new StringBuilder();
        text.AppendLine(inv, $"Collection {collection} (semantic, generation {assigner.Generation}): {s.FromShards} -> {s.ToShards} shards, {s.TotalCells} cells, {s.TotalPoints} points");
        if (!plan.AddedShards.IsEmpty) text.AppendLine(inv, $"Shards added (created and ready before copying): {string.Join(", ", plan.AddedShards)}");
        if (!plan.DrainedShards.IsEmpty) text.AppendLine(inv, $"Shards drained (removed after cleanup): {string.Join(", ", plan.DrainedShards)}");
        text.AppendLine(inv, $"Moves ({plan.Moves.Length}):");
        foreach (var move in plan.Moves)
        {
            var points = move.Cells.Cells().Sum(c => cellPoints[c]);
            text.AppendLine(inv, $"  cells {move.Cells,-24} ({move.Cells.Count} cells)  shard {move.From} -> shard {move.To}  {points} points");
        }

        var total = s.TotalPoints ?? 0;
        var moved = s.EstimatedPointsMoved ?? 0;
        text.AppendLine(inv, $"Cells moved: {s.CellsMoved} of {s.TotalCells}");
        text.AppendLine(inv, $"Points moved: {moved} of {total} ({(total == 0 ? 0 : (double)moved / total):P2}); at least {s.MinimumPointsMoved} must move to balance");
        foreach (var (shard, cells) in plan.After.Shards.Where(kv => !kv.Value.IsEmpty))
        {
            text.AppendLine(inv, $"  shard {shard}: {cells.Count} cells, {cells.Cells().Sum(c => cellPoints[c])} points");
        }

        text.AppendLine(inv, $"hash % N baseline: {s.HashModBaselineFraction:P2} of the points would move");
        return text.ToString();
    }

    /// <summary>Points per cell: one number for all, a list in cell order, or each shard's points spread over its cells (zero when nothing is given).</summary>
    public static long[] CellPoints(CellAssignment current, string? pointsPerCell, string? pointsPerShard)
    {
        if (!string.IsNullOrWhiteSpace(pointsPerCell))
        {
            var values = pointsPerCell.Split(',', StringSplitOptions.TrimEntries).Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new FormatException($"--points-per-cell: '{p}' is not a non-negative whole number")).ToList();
            if (values.Count != 1 && values.Count != current.Slots)
            {
                throw new ArgumentException($"--points-per-cell has {values.Count} values but the table has {current.Slots} cells; give one value or one per cell");
            }

            return [.. Enumerable.Range(0, current.Slots).Select(c => values.Count == 1 ? values[0] : values[c])];
        }

        var cells = new long[current.Slots];
        var shards = ParsePoints(pointsPerShard, current.Shards.Keys.DefaultIfEmpty(-1).Max() + 1);
        if (shards is null) return cells;
        foreach (var (shard, owned) in current.Shards)
        {
            var each = owned.IsEmpty ? 0 : shards.GetValueOrDefault(shard) / owned.Count;
            foreach (var cell in owned.Cells()) cells[cell] = each;
        }

        return cells;
    }

    private static string Ratio(double value, double reference) =>
        reference == 0 ? (value == 0 ? "1.00x" : "n/a") : string.Create(CultureInfo.InvariantCulture, $"{value / reference:0.00}x");
}
