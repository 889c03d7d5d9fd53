using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;
using QdrantDistance = RagOperator.Qdrant.Models.Distance;

namespace RagOperator.Benchmarks.Support;

/// <summary>
/// In-process Qdrant servers on loopback, each holding one collection, and a stable routing table over them (the
/// initial balanced assignment of 16 384 cells, as the operator publishes it). No operator and no API server: for the
/// suites that measure the data plane alone.
/// </summary>
public sealed class LoopbackShards : IAsyncDisposable
{
    public const string Namespace = "default";
    public const int Slots = 16_384;

    private readonly List<InProcessQdrantServer> servers;
    private readonly List<QdrantShardClient> clients;

    private LoopbackShards(string collection, int dimension, List<InProcessQdrantServer> servers, List<QdrantShardClient> clients)
    {
        Collection = collection;
        Dimension = dimension;
        this.servers = servers;
        this.clients = clients;
    }

    public string Collection { get; }

    public int Dimension { get; }

    public IReadOnlyList<InProcessQdrantServer> Servers => servers;

    /// <summary>The gRPC endpoint of the shard whose REST endpoint (as the routing table names it) is <paramref name="rest"/>.</summary>
    public Uri GrpcAddress(Uri rest) => InProcessQdrantServer.GrpcAddressAmong(servers, rest);

    /// <summary>A client per shard, in shard order.</summary>
    public IReadOnlyList<IQdrantClient> Clients => clients;

    public static async Task<LoopbackShards> StartAsync(int shards, string collection, int dimension, CancellationToken cancellationToken)
    {
        var servers = new List<InProcessQdrantServer>();
        var clients = new List<QdrantShardClient>();
        var started = new LoopbackShards(collection, dimension, servers, clients);
        try
        {
            for (var i = 0; i < shards; i++)
            {
                var server = await InProcessQdrantServer.StartAsync(cancellationToken: cancellationToken);
                servers.Add(server);
                var client = new QdrantShardClient(new QdrantClientOptions { BaseUri = server.BaseUri, GrpcUri = server.GrpcUri, MaxRetries = 0 });
                clients.Add(client);
                await client.CreateCollectionAsync(collection, new CreateCollectionRequest(new VectorParams((ulong)dimension, QdrantDistance.Cosine)), cancellationToken);
                await client.CreatePayloadIndexAsync(collection, PayloadFields.Cell, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
                await client.CreatePayloadIndexAsync(collection, PayloadFields.Version, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
            }

            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    /// <summary>The stable table the operator would publish for these shards.</summary>
    public RoutingTable StableTable(long version = 1)
    {
        var assignment = RebalancePlanner.InitialAssignment(Slots, servers.Count);
        return RoutingTable.Create(Collection, Namespace, version, new HashCellAssigner(Slots), Dimension, Routing.Distance.Cosine,
            servers.Select((server, i) => new RoutingShard(i, server.BaseUri.AbsoluteUri, assignment.CellsOf(i))));
    }

    public int PointCount(int shard) => servers[shard].Collections.PointCount(Collection);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in clients) client.Dispose();
        foreach (var server in servers) await server.DisposeAsync();
    }
}
