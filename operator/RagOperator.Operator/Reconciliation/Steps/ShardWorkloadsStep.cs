using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Applies the shared bootstrap ConfigMap and, for every shard (<see cref="ReconcileContext.ShardCount"/>: shards of
/// the routing table are kept even when spec.shards shrank, until a migration drains them), its headless Service,
/// client Service, StatefulSet and PodDisruptionBudget.
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
                if (child is StatefulSet set) KeepImmutableClaims(context, set);
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
