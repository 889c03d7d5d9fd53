using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;
using QdrantDistance = RagOperator.Qdrant.Models.Distance;
using RoutingDistance = RagOperator.Routing.Distance;

namespace RagOperator.Router.Tests.Support;

/// <summary>Several in-process Qdrant shards, each holding the test's collection, and the routing tables over them.</summary>
internal sealed class ShardCluster : IAsyncDisposable
{
    public const string Namespace = "default";

    private ShardCluster(string collection, int dimension, RoutingDistance distance, int slots, IReadOnlyList<InProcessQdrantServer> servers)
    {
        Collection = collection;
        Dimension = dimension;
        Distance = distance;
        Slots = slots;
        Servers = servers;
    }

    public string Collection { get; }

    public int Dimension { get; }

    public RoutingDistance Distance { get; }

    public int Slots { get; }

    public IReadOnlyList<InProcessQdrantServer> Servers { get; }

    /// <summary>
    /// The gRPC endpoint of the shard whose REST endpoint (as the routing table names it) is <paramref name="rest"/>;
    /// an endpoint of no server here (a shard a test made unreachable) stays as it is.
    /// </summary>
    public Uri GrpcAddress(Uri rest) => InProcessQdrantServer.GrpcAddressAmong(Servers, rest);

    public static async Task<ShardCluster> StartAsync(
        int shards, string collection = "docs", int dimension = 8, RoutingDistance distance = RoutingDistance.Cosine, int slots = 64)
    {
        var servers = new List<InProcessQdrantServer>();
        for (var i = 0; i < shards; i++)
        {
            var server = await InProcessQdrantServer.StartAsync();
            servers.Add(server);
            using var client = new QdrantShardClient(new QdrantClientOptions { BaseUri = server.BaseUri, GrpcUri = server.GrpcUri });
            await client.CreateCollectionAsync(collection, new CreateCollectionRequest(
                new VectorParams((ulong)dimension, Enum.Parse<QdrantDistance>(distance.ToString()))));
        }

        return new ShardCluster(collection, dimension, distance, slots, servers);
    }

    /// <summary>A stable table splitting the cells into contiguous, nearly equal ranges, shard i owning the i-th.</summary>
    public RoutingTable StableTable(long version = 1, string? collection = null) =>
        RoutingTable.Create(
            collection ?? Collection, Namespace, version, new HashCellAssigner(Slots), Dimension, Distance,
            Servers.Select((server, i) => new RoutingShard(i, server.BaseUri.AbsoluteUri, Split(i))));

    /// <summary>A table whose shard list names the given shards but gives every cell to shard 0 (for moves from it).</summary>
    public RoutingTable AllOnFirstShard(long version = 1) =>
        RoutingTable.Create(
            Collection, Namespace, version, new HashCellAssigner(Slots), Dimension, Distance,
            Servers.Select((server, i) => new RoutingShard(i, server.BaseUri.AbsoluteUri, i == 0 ? CellSet.FromRange(0, Slots - 1) : CellSet.Empty)));

    public CellSet Split(int shard)
    {
        var start = shard * Slots / Servers.Count;
        var end = ((shard + 1) * Slots / Servers.Count) - 1;
        return CellSet.FromRange(start, end);
    }

    /// <summary>The points stored on a shard, by canonical id.</summary>
    public IReadOnlyDictionary<string, InProcessPoint> PointsOn(int shard) =>
        Servers[shard].Collections.GetPoints(Collection).ToDictionary(p => p.Id, StringComparer.Ordinal);

    public int TotalPoints() => Servers.Sum(s => s.Collections.PointCount(Collection));

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }
    }
}
