using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// At most one pod of a shard (or of the routers) may be evicted at a time, so a node drain never takes a shard's
/// Raft quorum or all of its copies. <c>maxUnavailable</c> rather than <c>minAvailable</c> keeps single-replica
/// shards drainable.
/// </summary>
public static class PodDisruptionBudgetBuilder
{
    public static PodDisruptionBudget ForShard(BuildInput input, int shard) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.ShardPodDisruptionBudget(input.Name, shard), Labels.ForShard(input.Name, shard)),
        Spec = new PodDisruptionBudgetSpec
        {
            MaxUnavailable = 1,
            Selector = new LabelSelector { MatchLabels = Labels.ShardSelector(input.Name, shard) },
        },
    };

    /// <summary>
    /// One router at a time; under autoscaling, every router above one less than the autoscaler's minimum may go, so a
    /// scaled-out fleet drains fast and one at the minimum still drains (a PDB that allows nothing blocks node drains).
    /// </summary>
    public static PodDisruptionBudget ForRouter(BuildInput input) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.Router(input.Name), Labels.ForRouter(input.Name)),
        Spec = input.Spec.Router.Autoscaling is { } autoscaling
            ? new PodDisruptionBudgetSpec
            {
                MinAvailable = Math.Max(1, autoscaling.MinReplicas - 1),
                Selector = new LabelSelector { MatchLabels = Labels.RouterSelector(input.Name) },
            }
            : new PodDisruptionBudgetSpec
            {
                MaxUnavailable = 1,
                Selector = new LabelSelector { MatchLabels = Labels.RouterSelector(input.Name) },
            },
    };
}
