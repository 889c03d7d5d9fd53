using RagOperator.Kubernetes.Client;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Applies the shared bootstrap ConfigMap and, for every shard (<see cref="ReconcileContext.ShardCount"/>: shards of
/// the routing table are kept even when spec.shards shrank, until a migration drains them), its headless Service,
/// client Service, StatefulSet and PodDisruptionBudget.
/// <para>The StatefulSet grows with spec.replicas at once but shrinks only through the replica step, after the pods that go
/// have handed back their replicas and left the Qdrant cluster.</para>
/// <para>A StatefulSet's volumeClaimTemplates are immutable. When spec.storage changes, the running sets keep their
/// templates (the rest of the spec is still applied) and the change is reported as not applicable in place;
/// resize claims with the StorageClass's volume expansion instead.</para>
/// </summary>
public sealed class ShardWorkloadsStep : IReconcileStep
{
    public string Name => "shard-workloads";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var input = context.Input;
        await ApplyAsync(context, BootstrapConfigMapBuilder.Build(input), cancellationToken);
        for (var shard = 0; shard < context.ShardCount; shard++)
        {
            foreach (var child in CollectionChildren.Shard(input, shard))
            {
                if (child is StatefulSet set)
                {
                    KeepImmutableClaims(context, set);
                    await PrepareReplicasAsync(context, set, cancellationToken);
                }

                await ApplyAsync(context, child, cancellationToken);
            }
        }

        return StepResult.Continue;
    }

    internal static async Task ApplyAsync(ReconcileContext context, IKubernetesObject child, CancellationToken cancellationToken)
    {
        var outcome = child switch
        {
            StatefulSet s => await context.Services.Applier.ApplyAsync(s, context.Collection.Metadata.Uid, cancellationToken),
            Service s => await context.Services.Applier.ApplyAsync(s, context.Collection.Metadata.Uid, cancellationToken),
            PodDisruptionBudget p => await context.Services.Applier.ApplyAsync(p, context.Collection.Metadata.Uid, cancellationToken),
            ConfigMap c => await context.Services.Applier.ApplyAsync(c, context.Collection.Metadata.Uid, cancellationToken),
            Deployment d => await context.Services.Applier.ApplyAsync(d, context.Collection.Metadata.Uid, cancellationToken),
            ServiceAccount a => await context.Services.Applier.ApplyAsync(a, context.Collection.Metadata.Uid, cancellationToken),
            Role r => await context.Services.Applier.ApplyAsync(r, context.Collection.Metadata.Uid, cancellationToken),
            RoleBinding b => await context.Services.Applier.ApplyAsync(b, context.Collection.Metadata.Uid, cancellationToken),
            HorizontalPodAutoscaler h => await context.Services.Applier.ApplyAsync(h, context.Collection.Metadata.Uid, cancellationToken),
            NetworkPolicy n => await context.Services.Applier.ApplyAsync(n, context.Collection.Metadata.Uid, cancellationToken),
            _ => throw new NotSupportedException($"no applier for {child.Kind}"),
        };
        switch (outcome)
        {
            case ApplyOutcome.Conflict:
                context.Facts.ChildConflicts.Add(
                    $"{child.Kind} {child.Metadata.Name} exists but is not controlled by this collection; the operator leaves it alone — delete or rename it");
                break;
            case ApplyOutcome.Created or ApplyOutcome.Updated:
                context.Logger.LogInformation("{Outcome} {Kind} {Name}", outcome, child.Kind, child.Metadata.Name);
                break;
        }
    }

    /// <summary>
    /// The StatefulSet grows here, but never shrinks: a pod that goes must first lose its replica and leave the Qdrant
    /// cluster, which the replica step does before it shrinks the set (<see cref="ShrinkAsync"/>). Before growing, the
    /// volumes of the ordinals about to start are deleted when a previous, removed peer left them behind (volumes are
    /// retained on scale-down): a peer removed from a Qdrant cluster cannot rejoin it with its old Raft state.
    /// </summary>
    private static async Task PrepareReplicasAsync(ReconcileContext context, StatefulSet desired, CancellationToken cancellationToken)
    {
        var live = context.Services.View.Get<StatefulSet>(desired.Metadata.Namespace, desired.Metadata.Name!);
        if (live is null) return;
        var current = live.Spec.Replicas ?? 1;
        var wanted = desired.Spec.Replicas ?? 1;
        if (wanted < current)
        {
            // The cache may not have seen the replica step's last shrink yet; never undo it.
            var now = await context.Services.Client.TryGetAsync<StatefulSet>(desired.Metadata.Name!, desired.Metadata.Namespace, cancellationToken);
            desired.Spec.Replicas = Math.Max(wanted, now?.Spec.Replicas ?? current);
            return;
        }

        if (wanted == current) return;

        // The cache may lag behind our own last apply: read the set itself. Its pods above spec.replicas cannot be
        // created before the apply below (this collection is reconciled by one worker at a time), so a claim of such an
        // ordinal with no pod is in nobody's use.
        var fresh = await context.Services.Client.TryGetAsync<StatefulSet>(desired.Metadata.Name!, desired.Metadata.Namespace, cancellationToken);
        var size = fresh?.Spec.Replicas ?? current;
        for (var ordinal = size; ordinal < wanted; ordinal++)
        {
            var podName = $"{desired.Metadata.Name}-{ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            if (await context.Services.Client.TryGetAsync<Pod>(podName, desired.Metadata.Namespace, cancellationToken) is not null) continue;
            foreach (var template in live.Spec.VolumeClaimTemplates ?? [])
            {
                var claim = $"{template.Metadata.Name}-{podName}";
                if (await context.Services.Client.TryGetAsync<PersistentVolumeClaim>(claim, desired.Metadata.Namespace, cancellationToken) is null) continue;
                await context.Services.Client.DeleteAsync<PersistentVolumeClaim>(claim, desired.Metadata.Namespace, cancellationToken: cancellationToken);
                context.Logger.LogInformation("Deleted the volume {Claim} of a removed Qdrant peer before the shard grows", claim);
            }
        }
    }

    /// <summary>Applies a shard's StatefulSet with <paramref name="replicas"/> pods (the replica step, once the peers above it are gone).</summary>
    internal static async Task ShrinkAsync(ReconcileContext context, int shard, int replicas, CancellationToken cancellationToken)
    {
        var set = StatefulSetBuilder.Build(context.Input, shard);
        KeepImmutableClaims(context, set);
        set.Spec.Replicas = replicas;
        await ApplyAsync(context, set, cancellationToken);
    }

    private static void KeepImmutableClaims(ReconcileContext context, StatefulSet desired)
    {
        var live = context.Services.View.Get<StatefulSet>(desired.Metadata.Namespace, desired.Metadata.Name!);
        if (live?.Spec.VolumeClaimTemplates is not { } liveClaims) return;
        var liveJson = JsonNode.Parse(KubernetesJson.Serialize(liveClaims));
        var desiredJson = JsonNode.Parse(KubernetesJson.Serialize(desired.Spec.VolumeClaimTemplates));
        if (SemanticSubset.Contains(liveJson, desiredJson)) return;
        desired.Spec.VolumeClaimTemplates = liveClaims;
        string? size = null;
        liveClaims.FirstOrDefault()?.Spec.Resources?.Requests?.TryGetValue("storage", out size);
        var message = $"StatefulSet {desired.Metadata.Name} keeps its volume claim template (storage {size}, class " +
                      $"{liveClaims.FirstOrDefault()?.Spec.StorageClassName ?? "default"}): volumeClaimTemplates cannot change in place; " +
                      "expand existing claims through the StorageClass, or migrate to a new collection";
        if (!context.Facts.NotInPlace.Contains(message)) context.Facts.NotInPlace.Add(message);
    }
}
