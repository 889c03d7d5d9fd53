using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Routing;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// The first routing table of a collection created by a restore: the snapshot set's table (strategy, parameters and
/// cell ownership) under the new collection's name, namespace and shard endpoints. The routing step uses it instead
/// of equal contiguous ranges when the collection carries <see cref="RestoredCollection.RoutingAnnotation"/>.
/// </summary>
public static class RestoredRouting
{
    /// <summary>The source table re-addressed to <paramref name="collection"/> (pure).</summary>
    public static RoutingTable Readdress(RoutingTable source, string collection, string @namespace, long version, Func<int, string> endpoint) =>
        RoutingTable.Create(collection, @namespace, version, source.Assigner, source.Dimension, source.Distance,
            source.Shards.Select(s => s with { Endpoint = endpoint(s.Id) }));

    /// <summary>
    /// The initial table for a restored collection, or null for any other collection. A named but missing or invalid
    /// ConfigMap is an error (the reconcile retries and reports it) rather than a silent fall-back to a fresh layout,
    /// which would put recovered points on shards that do not own their cells.
    /// </summary>
    public static async Task<RoutingTable?> InitialTableAsync(ReconcileContext context, long version, Func<int, string> endpoint, CancellationToken cancellationToken)
    {
        if (context.Collection.Metadata.Annotations?.TryGetValue(RestoredCollection.RoutingAnnotation, out var mapName) != true) return null;
        var map = await context.Services.Client.TryGetAsync<ConfigMap>(mapName!, context.Namespace, cancellationToken)
            ?? throw new InvalidOperationException(
                $"annotation {RestoredCollection.RoutingAnnotation} names ConfigMap {mapName}, which does not exist; the restore that created this collection writes it");
        if (map.Data?.TryGetValue(ChildNames.RoutingKey, out var json) != true)
            throw new InvalidOperationException($"ConfigMap {mapName} has no {ChildNames.RoutingKey} key");
        if (!RoutingTable.TryParse(json!, out var source, out var error))
            throw new InvalidOperationException($"ConfigMap {mapName} holds no valid routing table: {error?.Message}");
        if (source!.Shards.Length != context.Spec.Shards)
            throw new InvalidOperationException($"ConfigMap {mapName} has {source.Shards.Length} shards but spec.shards is {context.Spec.Shards}");
        return Readdress(source, context.Name, context.Namespace, version, endpoint);
    }
}
