using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Snapshots;
using RagOperator.Routing;

namespace RagOperator.Operator.Tests.Snapshots;

internal static class SnapshotFixtures
{
    public const string Sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>A stable 3-shard hash table over 12 cells with a non-contiguous ownership (as after a migration).</summary>
    public static RoutingTable Table(long version = 7, string collection = "docs") =>
        RoutingTable.Create(collection, "search", version, new HashCellAssigner(12), 8, RagOperator.Routing.Distance.Cosine,
        [
            new RoutingShard(0, "http://docs-shard-0.search.svc:6333", CellSet.Parse("0-2,9")),
            new RoutingShard(1, "http://docs-shard-1.search.svc:6333", CellSet.Parse("3-5,10")),
            new RoutingShard(2, "http://docs-shard-2.search.svc:6333", CellSet.Parse("6-8,11")),
        ]);

    public static VectorCollectionSpec Spec(int shards = 3) => new()
    {
        Dimension = 8,
        Shards = shards,
        Sharding = new ShardingSpec { Slots = 12 },
        Qdrant = new QdrantSpec { ApiKeySecretRef = new SecretKeySelector { Name = "docs-qdrant", Key = "api-key" } },
        Snapshots = new SnapshotScheduleSpec { Schedule = "@daily", Storage = new SnapshotStorageSpec { Pvc = new PvcSnapshotStorage { ClaimName = "backups" } } },
    };

    public static SnapshotSetManifest Manifest(RoutingTable? table = null, VectorCollectionSpec? spec = null, IReadOnlyList<SnapshotSetFile>? files = null) =>
        new("search", "docs", "nightly", new DateTimeOffset(2025, 3, 1, 2, 30, 0, TimeSpan.Zero), table ?? Table(), spec ?? Spec(),
            files ?? [.. Enumerable.Range(0, 3).Select(i => new SnapshotSetFile(i, $"search/docs/nightly-1a2b3c4d/shard-{i}.snapshot", 100 + i, Sha, 10 * i))]);

    public static VectorRestore Restore(string target = "docs-copy", Action<RestoreTarget>? configure = null)
    {
        var restore = new VectorRestore
        {
            Metadata = new ObjectMeta { Name = "bring-back", Namespace = "search", Uid = "uid-restore", Generation = 1 },
            Spec = new VectorRestoreSpec { Source = new RestoreSource { Snapshot = "nightly" }, Target = new RestoreTarget { Name = target } },
        };
        configure?.Invoke(restore.Spec.Target);
        return restore;
    }
}
