using System.Globalization;
using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Naming;
using RagOperator.Routing;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// Derives a collection's status from what one reconcile found (pure). The rules:
/// <list type="bullet">
/// <item>A blocker (bad spec, missing node pool or Secret) makes Ready and Progressing False and Degraded True with
/// the blocker's reason; phase Pending before anything was provisioned, Degraded after.</item>
/// <item>Ready: every shard's pods ready with the Qdrant collection created, the routing table published, and every
/// router pod ready.</item>
/// <item>Progressing: True with the first thing being waited for (shards, collections, routing table, routers,
/// a pending rebalance); False (Reconciled) when nothing is.</item>
/// <item>Degraded: True when something needs a human or cannot converge: changes that cannot be applied in place,
/// children owned by something else, Qdrant errors, or shards that lost pods after the collection was provisioned.</item>
/// </list>
/// </summary>
public static class StatusComputer
{
    public static void Apply(VectorCollection collection, RoutingTable? table, ReconcileFacts facts, VectorCollectionStatus status, TimeProvider time)
    {
        var generation = collection.Metadata.Generation;
        status.ObservedGeneration = generation;
        if (facts.ShardsObserved)
        {
            var before = status.Shards ?? [];
            status.Shards = facts.Shards.Select(s => new ShardStatus
            {
                Index = s.Index,
                Name = s.Name,
                Replicas = s.Replicas,
                ReadyReplicas = s.ReadyReplicas,
                CollectionCreated = s.CollectionCreated,
                Points = s.Points,
                Ready = s.Ready,
                UpdatedReplicas = s.UpdatedReplicas,
            }.WithReplicas(s.QdrantReplicas, before.FirstOrDefault(b => b.Index == s.Index))).ToList();
        }

        if (table is not null)
        {
            status.Routing = new RoutingStatus
            {
                ActiveVersion = table.Version,
                ConfigMap = ChildNames.RoutingConfigMap(collection.Metadata.Name!),
                AcknowledgedVersion = facts.Router is null ? status.Routing?.AcknowledgedVersion : facts.AcknowledgedVersion,
            };
        }

        // The scale subresource's current count: the shards that own cells now, so an autoscaler sees a migration's
        // target only once the new ownership is published (a migration's tables list the shards of both sides).
        status.Selector = Labels.AllShardsSelector(collection.Metadata.Name!);
        if (table is not null)
            status.CurrentShards = table.IsStable || status.Migration is null ? table.Shards.Length : status.Migration.FromShards;

        if (facts.Router is { } router)
            status.Router = new RouterStatus { Replicas = router.Replicas, ReadyReplicas = router.ReadyReplicas, Service = router.Service };

        if (facts.Tls is { } tls) status.Tls = tls;

        var conditions = new ConditionSet(status.Conditions, generation, time);
        var phase = Conditions(collection, table, facts, conditions);
        foreach (var extra in facts.ExtraConditions) conditions.Set(extra.Type, extra.Status, extra.Reason, extra.Message);
        status.Conditions = conditions.ToList();
        status.Phase = collection.Metadata.DeletionTimestamp is not null ? Phases.Deleting : phase;
    }

    private static string Conditions(VectorCollection collection, RoutingTable? table, ReconcileFacts facts, ConditionSet conditions)
    {
        if (facts.Blockers is [var blocker, ..])
        {
            var message = string.Join("; ", facts.Blockers.Select(b => b.Message));
            conditions.Set(ConditionTypes.Ready, false, blocker.Reason, message);
            conditions.Set(ConditionTypes.Progressing, false, blocker.Reason, $"Nothing is applied until the spec is fixed: {message}");
            conditions.Set(ConditionTypes.Degraded, true, blocker.Reason, message);
            return table is null ? Phases.Pending : Phases.Degraded;
        }

        var spec = collection.Spec;
        var shards = facts.Shards;
        var workloadsReady = shards.Count(s => s.WorkloadReady);
        var collectionsCreated = shards.Count(s => s.CollectionCreated);
        var allShardsReady = facts.ShardsObserved && shards.Count > 0 && shards.All(s => s.Ready);
        var router = facts.Router;
        var routersReady = router?.AllReady == true;

        // Degraded: things that need attention and will not resolve by waiting.
        var degraded = new List<(string Reason, string Message)>();
        degraded.AddRange(facts.NotInPlace.Select(m => (Reasons.ParametersNotApplicableInPlace, m)));
        degraded.AddRange(facts.ChildConflicts.Select(m => (Reasons.ChildConflict, m)));
        if (facts.StepError is { } error) degraded.Add((Reasons.ReconcileError, error));
        degraded.AddRange(facts.Problems);
        degraded.AddRange(shards.Where(s => s.Error is not null).Select(s => (Reasons.QdrantUnavailable, $"shard {s.Index}: {s.Error}")));
        if (table is not null)
        {
            degraded.AddRange(shards.Where(s => s.Exists && !s.WorkloadReady && s.PodsChanging is null)
                .Select(s => (Reasons.ShardsNotReady, $"shard {s.Index}: {s.ReadyReplicas}/{s.Replicas} Qdrant pods ready")));
        }

        // Progressing: the first thing still being waited for.
        (string Reason, string Message)? waiting =
            !facts.ShardsObserved || workloadsReady < shards.Count
                ? (table is null ? Reasons.WaitingForShards : Reasons.ShardsNotReady, $"{workloadsReady}/{shards.Count} shards have all Qdrant pods ready")
            : collectionsCreated < shards.Count
                ? (Reasons.CreatingCollections, $"the Qdrant collection exists on {collectionsCreated}/{shards.Count} shards")
            : table is null
                ? (Reasons.Provisioning, "publishing the first routing table")
            : router is null || !routersReady
                ? (Reasons.WaitingForRouters, $"{router?.ReadyReplicas ?? 0}/{router?.Replicas ?? spec.Router.Replicas} routers ready")
            : facts.RebalanceMessage is { } rebalance
                ? (Reasons.RebalancePending, rebalance)
            : facts.Progress is [var progress, ..]
                ? progress
            : null;

        var ready = table is not null && allShardsReady && routersReady;
        conditions.Set(ConditionTypes.Ready, ready,
            ready ? Reasons.Ready : waiting?.Reason ?? degraded.FirstOrDefault().Reason ?? Reasons.Provisioning,
            ready
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{shards.Count} shards ready, routing table v{table!.Version} published, {router!.ReadyReplicas}/{router.Replicas} routers ready")
                : waiting?.Message ?? string.Join("; ", degraded.Select(d => d.Message)));
        conditions.Set(ConditionTypes.Progressing, waiting is not null,
            waiting?.Reason ?? Reasons.Reconciled, waiting?.Message ?? "the collection matches its spec");
        conditions.Set(ConditionTypes.Degraded, degraded.Count > 0,
            degraded.Count > 0 ? degraded[0].Reason : Reasons.AsExpected,
            degraded.Count > 0 ? string.Join("; ", degraded.Select(d => d.Message)) : "no problems found");

        if (facts.Rebalancing) return Phases.Rebalancing;
        if (degraded.Count > 0 && table is not null) return Phases.Degraded;
        if (ready) return Phases.Ready;
        if (table is not null && shards.Any(s => s.PodsChanging is not null)) return Phases.Updating;
        return facts.ShardsObserved && shards.Any(s => s.Exists) ? Phases.Provisioning : Phases.Pending;
    }
}

internal static class ShardStatusReplicas
{
    /// <summary>
    /// The Qdrant replica counts of a shard. The replica check only reaches shards whose pods are all ready, so a shard
    /// whose new pods are still starting keeps the counts last seen: that is how the next reconcile still knows the
    /// data has fewer replicas than asked for and treats the starting pods as replicas being added, not as degradation.
    /// </summary>
    public static ShardStatus WithReplicas(this ShardStatus shard, ReplicaSummary? seen, ShardStatus? before)
    {
        if (seen is null)
        {
            shard.ActiveReplicas = before?.ActiveReplicas;
            shard.TotalReplicas = before?.TotalReplicas;
            shard.InactiveReplicas = before?.InactiveReplicas;
            return shard;
        }

        shard.ActiveReplicas = seen.Active;
        shard.TotalReplicas = seen.Total;
        shard.InactiveReplicas = seen.NotActive.Count > 0 ? [.. seen.NotActive] : null;
        return shard;
    }
}
