using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Keeps the two partitions of a re-partition in ConfigMap <c>&lt;collection&gt;-partition-g&lt;generation&gt;</c>:
/// <c>from.json</c> (the stable table the re-partition starts from) and <c>to.json</c> (the stable table of the new
/// training, with its centroids). It is written before the migration is recorded in status, so an operator restarted
/// at any point rebuilds every table of the re-partition from it and the published table; a new training cannot be
/// derived from anything else. Owned by the collection (deleted with it). Once a later training serves, the maps of
/// earlier generations are pruned; the one of the serving generation stays as the record of its re-partition.
/// </summary>
internal static class PartitionStore
{
    public const string FromKey = "from.json";
    public const string ToKey = "to.json";

    public static string Name(string collection, int generation) => $"{collection}-partition-g{generation}";

    public static async Task SaveAsync(ReconcileContext context, int generation, RoutingTable from, RoutingTable to, CancellationToken cancellationToken)
    {
        var map = new ConfigMap
        {
            Metadata = Owners.Metadata(context.Input, Name(context.Name, generation), Labels.ForRouting(context.Name)),
            Data = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [FromKey] = from.ToJson(indented: false),
                [ToKey] = to.ToJson(indented: false),
            },
        };
        await ShardWorkloadsStep.ApplyAsync(context, map, cancellationToken);
    }

    /// <summary>The generation a ConfigMap of this store holds, or null for any other name.</summary>
    public static int? GenerationOf(string collection, string mapName)
    {
        var prefix = $"{collection}-partition-g";
        return mapName.StartsWith(prefix, StringComparison.Ordinal)
               && int.TryParse(mapName.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var generation)
            ? generation
            : null;
    }

    /// <summary>
    /// Deletes the maps of generations before <paramref name="serving"/>. Only called with the generation of the stable
    /// table, so a re-partition in flight (always a later generation) keeps its map even when the cached status is stale.
    /// </summary>
    public static async Task<int> PruneBeforeAsync(ReconcileContext context, int serving, CancellationToken cancellationToken)
    {
        var stale = RoutingTableStep.ControlledConfigMaps(context)
            .Select(map => map.Metadata.Name ?? "")
            .Where(name => GenerationOf(context.Name, name) < serving)
            .ToList();
        foreach (var name in stale)
        {
            await context.Services.Client.DeleteIfExistsAsync<ConfigMap>(name, context.Namespace, cancellationToken: cancellationToken);
        }

        return stale.Count;
    }

    /// <summary>Both tables, or null when the ConfigMap is missing or does not parse.</summary>
    public static async Task<(RoutingTable From, RoutingTable To)?> LoadAsync(ReconcileContext context, int generation, CancellationToken cancellationToken)
    {
        var map = await context.Services.Client.TryGetAsync<ConfigMap>(Name(context.Name, generation), context.Namespace, cancellationToken);
        if (map?.Data is null || !map.Data.TryGetValue(FromKey, out var from) || !map.Data.TryGetValue(ToKey, out var to)) return null;
        return RoutingTable.TryParse(from, out var fromTable, out _) && RoutingTable.TryParse(to, out var toTable, out _)
            ? (fromTable!, toTable!)
            : null;
    }
}
