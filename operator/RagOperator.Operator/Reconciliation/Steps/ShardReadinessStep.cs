using RagOperator.Api.V1Alpha1;
using RagOperator.Routing;
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
            else if (Joining(state, context.Table)) state.PodsChanging = "shard being added";
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
    /// The shard's pods are not all ready because a scale-out is adding the shard: no routing table lists it yet, so it
    /// serves nothing (the migration waits for it before publishing a table that does).
    /// </summary>
    public static bool Joining(ShardState state, RoutingTable? table) =>
        state.Exists && !state.WorkloadReady && table is not null && table.Shards.All(s => s.Id != state.Index);

    /// <summary>
    /// Counts a pod ready when either the StatefulSet's status or the pods themselves say so. Both lag the kubelet, and
    /// neither is always the fresher: the set's readyReplicas trails pods that became ready (the replica step, reading
    /// the pods, may already have placed data on them), and the pod informer can trail a set whose status already counts
    /// a pod. Taking the higher count reports a pod that failed one informer delay later, but never calls a shard that
    /// is only growing degraded.
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
        state.ReadyReplicas = Math.Max(
            status?.ReadyReplicas ?? 0,
            pods.Count(p => ShardPods.IsReady(p) && ShardPods.Ordinal(name, p.Metadata.Name) < running));
        state.WorkloadReady = running >= desiredReplicas && state.ReadyReplicas >= running;
        return state;
    }
}
