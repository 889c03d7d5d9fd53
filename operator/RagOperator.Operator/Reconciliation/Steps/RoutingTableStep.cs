using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Seams;
using RagOperator.Routing;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Publishes the routing table. The first table (version = one above any history copy, normally 1) gives shards
/// 0..N-1 equal contiguous cell ranges (a restored collection gets its snapshot set's ownership instead); a
/// stable table is republished with a new version only when a shard's
/// endpoint changed. Shard-count changes are not handled here — the migration step owns them. Each version is
/// written first as an immutable history copy, then as the active map; history beyond the last 10 is deleted.
/// </summary>
public sealed class RoutingTableStep : IReconcileStep
{
    public string Name => "routing-table";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var input = context.Input;
        string Endpoint(int shard) => context.Services.ShardEndpoints.Endpoint(context.Namespace, context.Name, shard, context.Tls);
        var history = HistoryVersions(context);

        // Since ObserveRoutingStep read it, the cache may have caught up with a table this operator published itself
        // (the migration step's last publication, one reconcile ago): go on from the newest, never from the older one.
        var live = context.Services.View.Get<ConfigMap>(context.Namespace, ChildNames.RoutingConfigMap(context.Name));
        var table = context.Table;
        if (live?.Metadata.ResourceVersion != context.TableResourceVersion
            && ObserveRoutingStep.Parse(live, out _) is { } cached && cached.Version > (table?.Version ?? 0))
        {
            table = cached;
        }

        if (table is null)
        {
            var version = Math.Max(history.DefaultIfEmpty(0).Max(), 0) + 1;
            // A collection created by a VectorRestore starts with the snapshot set's cell ownership.
            table = await Snapshots.RestoredRouting.InitialTableAsync(context, version, Endpoint, cancellationToken)
                ?? RoutingTables.Initial(input, version, Endpoint);
            await PublishAsync(context, table, $"Published routing table v{table.Version}: {table.Shards.Length} shards", cancellationToken);
        }
        else if (table.IsStable && !RoutingTables.EndpointsMatch(table, Endpoint))
        {
            var version = Math.Max(table.Version, history.DefaultIfEmpty(0).Max()) + 1;
            table = RoutingTables.WithEndpoints(table, version, Endpoint);
            await PublishAsync(context, table, $"Published routing table v{table.Version}: shard endpoints changed", cancellationToken);
        }
        else
        {
            // Keep the maps as the operator wrote them (labels, owner, history copy of the active version).
            table = await KeepAsync(context, table, live?.Metadata.ResourceVersion, cancellationToken);
        }

        context.Table = table;
        await PruneHistoryAsync(context, cancellationToken);
        return StepResult.Continue;
    }

    /// <summary>Publishes <paramref name="table"/>: history copy, then active map. The migration step publishes through this too.</summary>
    public static async Task PublishAsync(ReconcileContext context, RoutingTable table, string note, CancellationToken cancellationToken)
    {
        await ApplyAsync(context, table, cancellationToken);
        context.Table = table;
        context.Logger.LogInformation("{Note}", note);
        await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "RoutingPublished", "PublishRouting", note, cancellationToken);
    }

    private static async Task ApplyAsync(ReconcileContext context, RoutingTable table, CancellationToken cancellationToken)
    {
        var input = context.Input;
        await ShardWorkloadsStep.ApplyAsync(context, RoutingConfigMapBuilder.History(input, table), cancellationToken);
        await ShardWorkloadsStep.ApplyAsync(context, RoutingConfigMapBuilder.Active(input, table), cancellationToken);
    }

    /// <summary>
    /// Re-applies the maps of the active table, guarded by the resourceVersion of the cached map it was checked against:
    /// a table published in between fails the write (409) instead of being rolled back to this one, which the routers
    /// would refuse as stale and a running migration would not recognise. Returns the table in force afterwards.
    /// </summary>
    private static async Task<RoutingTable> KeepAsync(ReconcileContext context, RoutingTable table, string? resourceVersion, CancellationToken cancellationToken)
    {
        var input = context.Input;
        await ShardWorkloadsStep.ApplyAsync(context, RoutingConfigMapBuilder.History(input, table), cancellationToken);
        var active = RoutingConfigMapBuilder.Active(input, table);
        active.Metadata.ResourceVersion = resourceVersion;
        try
        {
            await ShardWorkloadsStep.ApplyAsync(context, active, cancellationToken);
            return table;
        }
        catch (ConflictException e) when (!e.IsAlreadyExists)
        {
            var fresh = await context.Services.Client.TryGetAsync<ConfigMap>(active.Metadata.Name!, context.Namespace, cancellationToken);
            context.Logger.LogInformation("Routing ConfigMap {ConfigMap} changed while it was checked; keeping the newer table", active.Metadata.Name);
            return ObserveRoutingStep.Parse(fresh, out _) is { } newer && newer.Version > table.Version ? newer : table;
        }
    }

    /// <summary>The cached ConfigMaps the collection controls (routing, history and partition maps).</summary>
    internal static IEnumerable<ConfigMap> ControlledConfigMaps(ReconcileContext context) =>
        context.Services.View.OwnedBy<ConfigMap>(context.Namespace, context.Collection.Metadata.Uid ?? "")
            .Where(map => Owners.IsControlledBy(map, context.Collection.Metadata.Uid));

    internal static List<long> HistoryVersions(ReconcileContext context) =>
        ControlledConfigMaps(context)
            .Select(map => ChildNames.HistoryVersion(context.Name, map.Metadata.Name ?? ""))
            .OfType<long>()
            .ToList();

    private static async Task PruneHistoryAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        foreach (var version in RoutingConfigMapBuilder.HistoryToPrune(HistoryVersions(context)))
        {
            await context.Services.Client.DeleteIfExistsAsync<ConfigMap>(ChildNames.RoutingHistory(context.Name, version), context.Namespace,
                cancellationToken: cancellationToken);
            context.Logger.LogInformation("Deleted routing history v{Version} (keeping the last {Limit})", version, RoutingConfigMapBuilder.HistoryLimit);
        }
    }
}
