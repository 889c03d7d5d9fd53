using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// What Qdrant's collection calls show of the router's one collection: its configuration as the first shard of the
/// read plan reports it, its points counted across shards (each point once, even while it moves), segments and indexed
/// vectors summed, the worst status of any shard, and the payload indexes without the router's own. The collection
/// itself belongs to its VectorCollection resource: changing it through the router is refused (<see cref="Owned"/>).
/// </summary>
public sealed class QdrantCollectionView(ShardReads shards, RouterOptions options)
{
    /// <summary>The Qdrant version whose API the router serves (its REST schemas are checked against this version's OpenAPI).</summary>
    public const string CompatibleVersion = "1.19.0";

    /// <summary>The title of <c>GET /</c> and the gRPC health check.</summary>
    public const string Title = "rag-router - Qdrant-compatible sharded collection";

    public async Task<G.CollectionInfo> InfoAsync(RoutingTable table, CancellationToken aborted)
    {
        var plan = table.ReadPlan;
        var infos = await shards.ReadAsync(plan, "get_collection", options.DefaultSearchTimeout, (client, _, token) =>
            client.GetCollectionInfoAsync(new G.GetCollectionInfoRequest { CollectionName = table.Collection }, token), aborted);
        var counts = await shards.ReadAsync(plan, "count", options.DefaultSearchTimeout, (client, read, token) =>
            client.CountAsync(new G.CountPoints { CollectionName = table.Collection, Exact = true, Filter = ShardReads.Restrict(null, read) }, token), aborted);

        var info = infos[0].Result.Clone();
        info.PointsCount = counts.Aggregate(0UL, (sum, count) => sum + count.Result.Count);
        info.SegmentsCount = infos.Aggregate(0UL, (sum, i) => sum + i.Result.SegmentsCount);
        info.IndexedVectorsCount = infos.Aggregate(0UL, (sum, i) => sum + (i.Result.HasIndexedVectorsCount ? i.Result.IndexedVectorsCount : 0));
        info.Status = infos.Select(i => i.Result.Status).MaxBy(Severity);
        foreach (var key in info.PayloadSchema.Keys.Where(QdrantPayloads.IsReserved).ToList())
        {
            info.PayloadSchema.Remove(key);
        }

        // An index holds the points of every shard (a moving point may be counted on both owners, as Qdrant's own
        // per-index counts are approximate anyway).
        foreach (var (key, schema) in info.PayloadSchema)
        {
            schema.Points = infos.Aggregate(0UL, (sum, i) => sum + (i.Result.PayloadSchema.TryGetValue(key, out var other) && other.HasPoints ? other.Points : 0));
        }

        return info;
    }

    /// <summary>What to change instead of calling <c>create_collection</c> (the <c>instead</c> of <see cref="Owned"/>).</summary>
    public const string CreateInstead = "Create a VectorCollection resource (spec.dimension, spec.distance, spec.shards); the operator creates the collection on every shard";

    public const string UpdateInstead = "Change the VectorCollection's spec.hnsw, spec.quantization or spec.replicas; the operator applies them to every shard";

    public const string DeleteInstead = "Delete the VectorCollection resource (kubectl delete vectorcollection); spec.storage.retainOnDelete decides whether its volumes stay";

    public const string AliasesInstead = "A RagOperator collection has no aliases: the router's address names the collection; point clients at another VectorCollection's router to switch";

    public const string IndexesInstead = "The operator creates the payload indexes routing needs; indexes on application fields are not part of the VectorCollection spec yet, and filters work without them";

    public const string SnapshotsInstead = "Create a VectorSnapshot resource (spec.collection), which snapshots every shard at one routing version, or set the VectorCollection's spec.snapshots schedule; restore with a VectorRestore resource";

    public const string ClusterInstead = "The operator places shards and replicas: change the VectorCollection's spec.shards, spec.replicas or spec.rebalance";

    public bool Serves(string collection) => string.Equals(collection, options.Collection, StringComparison.Ordinal);

    /// <summary>
    /// The 403 of a call that would change what the VectorCollection resource owns (the collection, its indexes,
    /// aliases, snapshots, cluster): <paramref name="instead"/> names the resource field that does it.
    /// </summary>
    public Api.RouterRequestException Owned(string call, string instead) => new(new Api.RouterError(
        403,
        Api.ErrorKinds.BadRequest,
        $"{call} is not served by the router: collection '{options.Collection}' belongs to VectorCollection {options.Namespace}/{options.Collection}. {instead}"));

    private static int Severity(G.CollectionStatus status) => status switch
    {
        G.CollectionStatus.Green => 0,
        G.CollectionStatus.Grey => 1,
        G.CollectionStatus.Yellow => 2,
        _ => 3,
    };
}
