using RagOperator.Api.V1Alpha1;
using RagOperator.Routing;
using ApiDistance = RagOperator.Api.V1Alpha1.Distance;
using RoutingDistance = RagOperator.Routing.Distance;

namespace RagOperator.Operator.Builders;

/// <summary>Builds the routing-table documents the operator publishes (pure).</summary>
public static class RoutingTables
{
    /// <summary>
    /// The first table of a collection: shards 0..N-1 own contiguous, equal ranges of the hash cells.
    /// <paramref name="endpoint"/> gives each shard's Qdrant URL (see <c>IShardEndpointResolver</c>). A semantic collection
    /// starts with this provisional hash routing too: centroids need points to be trained on, and the operator
    /// re-partitions once the collection holds <c>sharding.semantic.trainAfterPoints</c> points.
    /// </summary>
    public static RoutingTable Initial(BuildInput input, long version, Func<int, string> endpoint)
    {
        var spec = input.Spec;
        var assignment = RebalancePlanner.InitialAssignment(spec.Sharding.Slots, spec.Shards);
        var shards = assignment.Shards.Select(s => new RoutingShard(s.Key, endpoint(s.Key), s.Value));
        return RoutingTable.Create(input.Name, input.Namespace, version, new HashCellAssigner(spec.Sharding.Slots),
            spec.Dimension, Convert(spec.Distance), shards);
    }

    /// <summary>The same ownership (and migration, if any) with the shards' endpoints replaced, as a new version.</summary>
    public static RoutingTable WithEndpoints(RoutingTable current, long version, Func<int, string> endpoint) =>
        current.WithShards(version, current.Shards.Select(s => s with { Endpoint = endpoint(s.Id) }));

    /// <summary>True when every shard of <paramref name="table"/> already has the endpoint the resolver gives.</summary>
    public static bool EndpointsMatch(RoutingTable table, Func<int, string> endpoint) =>
        table.Shards.All(s => string.Equals(s.Endpoint, endpoint(s.Id), StringComparison.Ordinal));

    public static RoutingDistance Convert(ApiDistance distance) => distance switch
    {
        ApiDistance.Cosine => RoutingDistance.Cosine,
        ApiDistance.Dot => RoutingDistance.Dot,
        ApiDistance.Euclid => RoutingDistance.Euclid,
        ApiDistance.Manhattan => RoutingDistance.Manhattan,
        _ => throw new ArgumentOutOfRangeException(nameof(distance), distance, "unknown distance"),
    };
}
