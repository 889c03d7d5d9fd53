using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Replication;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// Observes each shard's StatefulSet: a shard's pods are ready when the set has at least the desired replicas and
/// every pod it runs is ready. Whether the StatefulSet controller has seen the latest spec does not matter here: the
/// replica count read is the set's own spec, and a template change replaces no pod by itself (OnDelete), so until the
/// controller catches up the running pods keep serving. Requiring observedGeneration would report every template
/// change as a moment of ShardsNotReady (Ready=False, Degraded) that nothing caused.
/// </summary>
public sealed class ShardReadinessStep : IReconcileStep
{
    public string Name => "shard-readiness";

    public Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        context.Facts.Shards.Clear();
        var pods = ShardPods.Of(context.Services.View, context.Collection);
        for (var shard = 0; shard < context.ShardCount; shard++)
        {
            var name = ChildNames.Shard(context.Name, shard);
            var set = context.Services.View.Get<StatefulSet>(context.Namespace, name);
            var state = Observe(shard, name, set, context.Spec.Replicas, pods.GetValueOrDefault(shard) ?? []);
            var recorded = context.Collection.Status?.Shards?.FirstOrDefault(s => s.Index == shard);
            if (Growing(state, recorded, context.Spec.Replicas)) state.PodsChanging = "replicas being added";
            context.Facts.Shards.Add(state);
        }

        context.Facts.ShardsObserved = true;
        return Task.FromResult(StepResult.Continue);
    }

    /// <summary>
    /// The shard's pods are not all ready because the operator is adding replicas: its data has fewer replicas than
    /// spec.replicas asks for (the new pods start before the replica step can place data on them). A pod that fails in
    /// a shard whose replica count is already right is not excused.
    /// </summary>
    public static bool Growing(ShardState state, ShardStatus? recorded, int desiredReplicas) =>
        state.Exists && !state.WorkloadReady && recorded?.TotalReplicas is { } total && total > 0 && total < desiredReplicas;

    /// <summary>
    /// Counts ready pods from the pods themselves when the view has any: the StatefulSet's readyReplicas is derived from
    /// them and lags (the replica step, reading the same pods, may already have placed data on a pod the set's status
    /// does not count as ready yet, which would report a shard that is only growing as degraded). The set's status
    /// counts only before the pod informer has seen the shard's pods.
    /// </summary>
    public static ShardState Observe(int index, string name, StatefulSet? set, int desiredReplicas, IReadOnlyList<Pod> pods)
    {
        var state = new ShardState(index, name) { Replicas = desiredReplicas };
        if (set is null) return state;
        state.Exists = true;
        var status = set.Status;
        state.UpdatedReplicas = status?.UpdatedReplicas;

        // The pods the StatefulSet runs now: more than desired while the replica step drains the peers that go (it
        // shrinks the set only afterwards). Template changes roll out under the operator's control (OnDelete), so a pod
        // on the previous revision is still a working pod; the rollout is reported on its own (condition Upgrading).
        var running = set.Spec.Replicas ?? 1;
        state.ReadyReplicas = pods.Count == 0
            ? status?.ReadyReplicas ?? 0
            : pods.Count(p => ShardPods.IsReady(p) && ShardPods.Ordinal(name, p.Metadata.Name) < running);
        state.WorkloadReady = running >= desiredReplicas && state.ReadyReplicas >= running;
        return state;
    }
}
