using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Routing;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Builds what a restore creates and decides what it may restore into (pure). The new collection is the source's
/// spec from the manifest (shape, index, quantization, router; no snapshot schedule) with the restore's overrides,
/// and it starts with the source's cell ownership: the routing table of the set is put in a ConfigMap that the
/// collection's first routing publication copies (see <see cref="RestoredRouting"/>), so every point recovered on
/// shard i is owned by shard i from the first version on.
/// </summary>
public static class RestoredCollection
{
    /// <summary>On the new collection: the name of the ConfigMap holding the source's routing table.</summary>
    public const string RoutingAnnotation = "ragoperator.io/restore-routing";

    /// <summary>On the new collection: the VectorRestore that created it.</summary>
    public const string RestoredByAnnotation = "ragoperator.io/restored-by";

    public static string RoutingConfigMapName(string target) => $"{target}-restore-routing";

    public static VectorCollection Collection(VectorRestore restore, SnapshotSetManifest manifest)
    {
        var spec = KubernetesJson.Clone(manifest.CollectionSpec);
        spec.Snapshots = null;
        var target = restore.Spec.Target;
        if (target.QdrantApiKeySecretRef is { } qdrantKey) spec.Qdrant.ApiKeySecretRef = qdrantKey;
        if (target.RouterApiKeySecretRef is { } routerKey) spec.Router.ApiKeySecretRef = routerKey;
        if (target.NodePoolRef is { } pool) spec.NodePoolRef = pool;
        return new VectorCollection
        {
            Metadata = new ObjectMeta
            {
                Name = target.Name,
                Namespace = restore.Metadata.Namespace,
                Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [RoutingAnnotation] = RoutingConfigMapName(target.Name),
                    [RestoredByAnnotation] = restore.Metadata.Name!,
                },
            },
            Spec = spec,
        };
    }

    /// <summary>The source's routing table for the new collection's first publication; owned by the restore.</summary>
    public static ConfigMap RoutingConfigMap(VectorRestore restore, SnapshotSetManifest manifest) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = RoutingConfigMapName(restore.Spec.Target.Name),
            Namespace = restore.Metadata.Namespace,
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Labels.Collection] = restore.Spec.Target.Name,
                [Labels.Component] = "restore",
            },
            OwnerReferences =
            [
                new OwnerReference
                {
                    ApiVersion = ApiGroup.ApiVersion,
                    Kind = VectorRestore.KindName,
                    Name = restore.Metadata.Name!,
                    Uid = restore.Metadata.Uid!,
                },
            ],
        },
        Data = new Dictionary<string, string>(StringComparer.Ordinal) { [ChildNames.RoutingKey] = manifest.Routing.ToJson(indented: true) },
    };

    /// <summary>
    /// Why <paramref name="target"/> cannot receive the set (empty when it can): its shape must equal the source's
    /// and, once it publishes routing, its cell ownership too. Whether it holds data is checked against the shards.
    /// </summary>
    public static IReadOnlyList<string> Incompatibilities(VectorCollection target, RoutingTable? targetTable, SnapshotSetManifest manifest)
    {
        var problems = new List<string>();
        var spec = target.Spec;
        var source = manifest.CollectionSpec;
        if (spec.Dimension != source.Dimension) problems.Add($"dimension is {spec.Dimension}, the set's is {source.Dimension}");
        if (spec.Distance != source.Distance) problems.Add($"distance is {spec.Distance}, the set's is {source.Distance}");
        if (spec.Shards != manifest.Routing.Shards.Length) problems.Add($"shards is {spec.Shards}, the set has {manifest.Routing.Shards.Length}");
        if (spec.Sharding.Strategy != source.Sharding.Strategy) problems.Add($"sharding strategy is {spec.Sharding.Strategy}, the set's is {source.Sharding.Strategy}");
        if (spec.Sharding.Slots != source.Sharding.Slots) problems.Add($"sharding.slots is {spec.Sharding.Slots}, the set's is {source.Sharding.Slots}");
        if (targetTable is not null && OwnershipDifference(targetTable, manifest.Routing) is { } difference) problems.Add(difference);
        return problems;
    }

    /// <summary>Null when both tables give every cell the same owner under the same strategy; else the first difference.</summary>
    public static string? OwnershipDifference(RoutingTable target, RoutingTable source)
    {
        if (!target.IsStable) return $"its routing table v{target.Version} has a migration in progress";
        if (target.Strategy != source.Strategy || target.CellCount != source.CellCount)
            return $"its routing uses {target.Strategy} with {target.CellCount} cells, the set's uses {source.Strategy} with {source.CellCount}";
        if (target.Shards.Length != source.Shards.Length) return $"its routing has {target.Shards.Length} shards, the set's has {source.Shards.Length}";
        foreach (var shard in source.Shards)
        {
            if (!target.TryGetShard(shard.Id, out var mine) || !mine!.Cells.Equals(shard.Cells))
                return $"shard {shard.Id} owns cells {(mine?.Cells.ToString() is { Length: > 0 } cells ? cells : "(none)")}, in the set it owns {shard.Cells}";
        }

        return null;
    }
}
