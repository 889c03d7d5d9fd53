using System.Globalization;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// Keeps a VectorNodePool's status current: the schedulable nodes it matches (<see cref="NodeMatcher"/>; at most
/// <see cref="MaxNodeNames"/> names listed), the collections that name it, and a Ready condition that says whether
/// shard pods can be placed at all. Driven by changes of the pool, of nodes and of collections.
/// </summary>
public sealed class VectorNodePoolReconciler(IClusterView view, StatusWriter status, TimeProvider? time = null) : IReconciler<VectorNodePool>
{
    public const int MaxNodeNames = 100;

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var pool = view.Get<VectorNodePool>(null, request.Name);
        if (pool is null) return ReconcileResult.Done;
        var nodes = view.List<Node>(null).Where(n => NodeMatcher.Matches(pool, n)).Select(n => n.Metadata.Name ?? "").Order(StringComparer.Ordinal).ToList();
        var collections = view.List<VectorCollection>(null)
            .Where(c => c.Spec.NodePoolRef?.Name == pool.Metadata.Name)
            .Select(c => $"{c.Metadata.Namespace}/{c.Metadata.Name}")
            .Order(StringComparer.Ordinal)
            .ToList();
        await status.UpdateAsync<VectorNodePool, VectorNodePoolSpec, VectorNodePoolStatus>(pool, (current, s) => Apply(current, s, nodes, collections, time ?? TimeProvider.System), cancellationToken);
        return ReconcileResult.Done;
    }

    public static void Apply(VectorNodePool pool, VectorNodePoolStatus status, IReadOnlyList<string> nodes, IReadOnlyList<string> collections, TimeProvider time)
    {
        status.ObservedGeneration = pool.Metadata.Generation;
        status.MatchingNodes = nodes.Count;
        status.Nodes = nodes.Take(MaxNodeNames).ToList();
        status.Collections = collections.ToList();
        var conditions = new ConditionSet(status.Conditions, pool.Metadata.Generation, time);
        if (nodes.Count > 0)
            conditions.Set(ConditionTypes.Ready, true, Reasons.Ready, string.Create(CultureInfo.InvariantCulture, $"{nodes.Count} schedulable nodes match the pool"));
        else
            conditions.Set(ConditionTypes.Ready, false, Reasons.NoMatchingNodes,
                "no schedulable node matches the pool's nodeSelector, required node affinity and taints; label nodes to match it or fix the selector");
        status.Conditions = conditions.ToList();
    }
}
