using Qdrant.Client;
using Qdrant.Client.Grpc;
using RagOperator.Routing;
using Distance = RagOperator.Routing.Distance;
using Vectors = RagOperator.Router.Tests.Support.Vectors;

namespace RagOperator.Router.Tests.Support;

/// <summary>
/// The same collection twice: sharded behind a router, and whole in one unsharded in-process Qdrant (the oracle).
/// Tests send each call to both through the official <see cref="QdrantClient"/> and compare the answers: the router
/// must be indistinguishable from one Qdrant.
/// </summary>
internal sealed class TwinCollections : IAsyncDisposable
{
    private TwinCollections(ShardCluster cluster, ShardCluster oracle, TestRouter router, QdrantClient viaRouter, QdrantClient direct)
    {
        Cluster = cluster;
        Oracle = oracle;
        Router = router;
        ViaRouter = viaRouter;
        Direct = direct;
    }

    public ShardCluster Cluster { get; }

    public ShardCluster Oracle { get; }

    public TestRouter Router { get; }

    /// <summary>The official client, talking gRPC to the router.</summary>
    public QdrantClient ViaRouter { get; }

    /// <summary>The official client, talking gRPC to the unsharded oracle.</summary>
    public QdrantClient Direct { get; }

    public string Collection => Cluster.Collection;

    public static async Task<TwinCollections> StartAsync(
        int shards = 3, int dimension = 8, Distance distance = Distance.Cosine, Func<ShardCluster, RoutingTable>? table = null,
        Func<RouterOptions, RouterOptions>? configure = null)
    {
        var cluster = await ShardCluster.StartAsync(shards, dimension: dimension, distance: distance);
        var oracle = await ShardCluster.StartAsync(1, dimension: dimension, distance: distance);
        var router = await TestRouter.StartAsync(cluster, (table ?? (c => c.StableTable()))(cluster), configure);
        var viaRouter = Client(router.Handle.GrpcUri, router.Handle.Options.ApiKey);
        var direct = Client(oracle.Servers[0].GrpcUri, null);
        return new TwinCollections(cluster, oracle, router, viaRouter, direct);
    }

    public static QdrantClient Client(Uri grpc, string? apiKey) => new(grpc.Host, grpc.Port, https: false, apiKey);

    /// <summary>Seeded points: ids 1..count (every fifth a UUID), payload with a group, a name and a rank.</summary>
    public static List<PointStruct> Points(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(1, count).Select(i => new PointStruct
        {
            Id = i % 5 == 0 ? new PointId { Uuid = new Guid(i, 0, 0, new byte[8]).ToString() } : new PointId { Num = (ulong)i },
            Vectors = Vectors.Random(random, dimension),
            Payload = { ["group"] = i % 4, ["name"] = $"point-{i}", ["rank"] = i },
        })];
    }

    /// <summary>Writes the points to both collections.</summary>
    public async Task UpsertBothAsync(IReadOnlyList<PointStruct> points)
    {
        await ViaRouter.UpsertAsync(Collection, points);
        await Direct.UpsertAsync(Collection, points);
    }

    /// <summary>Every point of the collection through <paramref name="client"/>, in scroll order, as comparable text.</summary>
    public async Task<List<string>> AllAsync(QdrantClient client, uint pageSize = 7, Filter? filter = null)
    {
        var all = new List<string>();
        PointId? offset = null;
        do
        {
            var page = await client.ScrollAsync(Collection, filter, pageSize, offset, payloadSelector: true, vectorsSelector: true);
            all.AddRange(page.Result.Select(p => p.ToString()));
            offset = page.NextPageOffset;
        }
        while (offset is not null);

        return all;
    }

    /// <summary>
    /// The hits as comparable text (id, score, payload, vectors), in order. A hit's <c>version</c> is the operation
    /// number of the shard that holds it, which differs between one Qdrant and several, so it is left out.
    /// </summary>
    public static List<string> Text(IEnumerable<ScoredPoint> hits) => [.. hits.Select(hit =>
    {
        var copy = hit.Clone();
        copy.Version = 0;
        return copy.ToString();
    })];

    public static List<string> Text(IEnumerable<RetrievedPoint> points) => [.. points.Select(p => p.ToString())];

    public async ValueTask DisposeAsync()
    {
        ViaRouter.Dispose();
        Direct.Dispose();
        await Router.DisposeAsync();
        await Cluster.DisposeAsync();
        await Oracle.DisposeAsync();
    }
}
