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
        var command = new Command("plan", "Print the cell moves of a shard-count change and what they cost.") { files, toShards, points, collection };
        command.SetAction(parse =>
        {
            try
            {
                Console.Out.Write(Plan(parse.GetValue(files)!, parse.GetValue(toShards), parse.GetValue(points), parse.GetValue(collection)));
                return 0;
            }
            catch (Exception e) when (e is ManifestException or ArgumentException or FormatException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>The report for every (or the named) collection of the files.</summary>
    public static string Plan(IEnumerable<FileInfo> files, int toShards, string? pointsPerShard, string? only)
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
            var points = ParsePoints(pointsPerShard, vc.Spec.Shards);
            text.Append(Format($"{vc.Metadata.Namespace}/{vc.Metadata.Name}", PlanFor(vc, toShards, points), points));
        }

        return text.ToString();
    }

    /// <summary>The plan for a collection created with its spec.shards, going to <paramref name="toShards"/>.</summary>
    public static RebalancePlan PlanFor(VectorCollection collection, int toShards, IReadOnlyDictionary<int, long>? pointsByShard)
    {
        if (collection.Spec.Sharding.Strategy != ShardingStrategy.Hash)
        {
            throw new ArgumentException($"collection {collection.Metadata.Name}: only the hash strategy can be planned");
        }

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

    private static string Ratio(double value, double reference) =>
        reference == 0 ? (value == 0 ? "1.00x" : "n/a") : string.Create(CultureInfo.InvariantCulture, $"{value / reference:0.00}x");
}
