using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Observes each shard's StatefulSet: a shard's pods are ready when the StatefulSet controller has seen the latest
/// spec (observedGeneration) and every desired replica is ready and updated.
/// </summary>
public sealed class ShardReadinessStep : IReconcileStep
{
    public string Name => "shard-readiness";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        context.Facts.Shards.Clear();
        for (var shard = 0; shard < context.ShardCount; shard++)
        {
            var name = ChildNames.Shard(context.Name, shard);
            var set = context.Services.View.Get<StatefulSet>(context.Namespace, name);
            context.Facts.Shards.Add(Observe(shard, name, set, context.Spec.Replicas));
        }

        context.Facts.ShardsObserved = true;
        return Task.FromResult(StepResult.Continue);
    }

    public static ShardState Observe(int index, string name, StatefulSet? set, int desiredReplicas)
    {
        var state = new ShardState(index, name) { Replicas = desiredReplicas };
        if (set is null) return state;
        state.Exists = true;
        var status = set.Status;
        state.ReadyReplicas = status?.ReadyReplicas ?? 0;
        var caughtUp = status?.ObservedGeneration is null || status.ObservedGeneration >= set.Metadata.Generation;
        var updated = status?.UpdatedReplicas is null || status.UpdatedReplicas >= desiredReplicas;
        state.WorkloadReady = caughtUp && updated && (set.Spec.Replicas ?? 1) == desiredReplicas && state.ReadyReplicas >= desiredReplicas;
        return state;
    }
}
