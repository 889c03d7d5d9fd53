using RagOperator.Kubernetes.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Builders;

/// <summary>Every child object of a collection, in the order they are created (pure).</summary>
public static class CollectionChildren
{
    /// <summary>The objects of one shard: governing headless Service first, so pod DNS exists when pods start.</summary>
    public static IReadOnlyList<IKubernetesObject> Shard(BuildInput input, int shard) =>
    [
        HeadlessServiceBuilder.Build(input, shard),
        ShardServiceBuilder.Build(input, shard),
        StatefulSetBuilder.Build(input, shard),
        PodDisruptionBudgetBuilder.ForShard(input, shard),
    ];

    /// <summary>
    /// The routers' identity before their Deployment, so pods never start without their account; the autoscaler (when
    /// asked for) after it.
    /// </summary>
    public static IReadOnlyList<IKubernetesObject> Router(BuildInput input) =>
    [
        RouterRbacBuilder.ServiceAccount(input),
        RouterRbacBuilder.Role(input),
        RouterRbacBuilder.RoleBinding(input),
        RouterServiceBuilder.Build(input),
        RouterDeploymentBuilder.Build(input),
        PodDisruptionBudgetBuilder.ForRouter(input),
        .. RouterAutoscalerBuilder.Build(input) is { } autoscaler ? [autoscaler] : Array.Empty<IKubernetesObject>(),
    ];

    /// <summary>Everything for a collection, with the given routing table published (render uses it).</summary>
    public static IReadOnlyList<IKubernetesObject> All(BuildInput input, RoutingTable table)
    {
        var children = new List<IKubernetesObject>(NetworkPolicyBuilder.Build(input)) { BootstrapConfigMapBuilder.Build(input) };
        for (var shard = 0; shard < input.Spec.Shards; shard++) children.AddRange(Shard(input, shard));
        children.Add(RoutingConfigMapBuilder.History(input, table));
        children.Add(RoutingConfigMapBuilder.Active(input, table));
        children.AddRange(Router(input));
        return children;
    }
}
