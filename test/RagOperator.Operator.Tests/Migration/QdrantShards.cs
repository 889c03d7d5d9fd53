using System.Text.Json.Nodes;
using RagOperator.InProcess.Qdrant;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Tests.Migration;

/// <summary>
/// In-process Qdrant shards holding collection <see cref="Collection"/> (4-dimensional, Dot) with the integer payload
/// indexes the operator creates, and a real <see cref="QdrantClient"/> per shard. Points are written straight to a
/// shard the way the router stamps them: <c>_rag_cell</c>, <c>_rag_v</c> and a <c>seq</c> the tests compare.
/// </summary>
internal sealed class QdrantShards : IAsyncDisposable
{
    public const string Collection = "docs";
    public const int Dimension = 4;

    private readonly List<InProcessQdrantServer> servers;

    private QdrantShards(List<InProcessQdrantServer> servers)
    {
        this.servers = servers;
        Clients = servers.Select(s => new QdrantShardClient(new QdrantClientOptions
        {
            BaseUri = s.BaseUri,
            GrpcUri = s.GrpcUri,
            MaxRetries = 0,
            RequestTimeout = TimeSpan.FromSeconds(10),
        })).ToList();
    }

    public IReadOnlyList<QdrantShardClient> Clients { get; }

    public IReadOnlyList<InProcessQdrantServer> Servers => servers;

    /// <summary>The gRPC endpoint of the shard whose REST endpoint is <paramref name="rest"/>; unknown endpoints stay as they are.</summary>
    public Uri GrpcAddress(Uri rest) => InProcessQdrantServer.GrpcAddressAmong(servers, rest);

    public static async Task<QdrantShards> StartAsync(int count, bool createCollection = true)
    {
        var servers = new List<InProcessQdrantServer>();
        for (var i = 0; i < count; i++) servers.Add(await InProcessQdrantServer.StartAsync(new InProcessQdrantOptions { Seed = 100 + i }));
        var shards = new QdrantShards(servers);
        if (createCollection)
        {
            foreach (var client in shards.Clients) await CreateCollectionAsync(client);
        }

        return shards;
    }

    public static async Task CreateCollectionAsync(IQdrantClient client)
    {
        await client.CreateCollectionAsync(Collection, new CreateCollectionRequest(new VectorParams(Dimension, RagOperator.Qdrant.Models.Distance.Dot)));
        await client.CreatePayloadIndexAsync(Collection, PayloadFields.Cell, PayloadSchemaType.Integer);
        await client.CreatePayloadIndexAsync(Collection, PayloadFields.Version, PayloadSchemaType.Integer);
    }

    public static PointStruct Point(ulong id, int cell, long version, long seq) => new(
        PointId.FromNumber(id),
        [id % 7, id % 5, 1, seq % 3],
        new JsonObject { [PayloadFields.Cell] = cell, [PayloadFields.Version] = version, ["seq"] = seq });

    public Task WriteAsync(int shard, params PointStruct[] points) =>
        Clients[shard].UpsertAsync(Collection, points);

    public Task DeleteAsync(int shard, params ulong[] ids) =>
        Clients[shard].DeleteAsync(Collection, [.. ids.Select(PointId.FromNumber)]);

    /// <summary>Every point of a shard as id → (version, seq, cell).</summary>
    public async Task<Dictionary<ulong, (long Version, long Seq, int Cell)>> ReadAsync(int shard)
    {
        var found = new Dictionary<ulong, (long, long, int)>();
        PointId? offset = null;
        do
        {
            var page = await Clients[shard].ScrollAsync(Collection, new ScrollRequest { Limit = 1000, Offset = offset, WithPayload = true, WithVector = false });
            foreach (var point in page.Points)
            {
                found[point.Id.Number] = (
                    point.Payload![PayloadFields.Version]!.GetValue<long>(),
                    point.Payload["seq"]!.GetValue<long>(),
                    point.Payload[PayloadFields.Cell]!.GetValue<int>());
            }

            offset = page.NextPageOffset;
        }
        while (offset is not null);
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients) client.Dispose();
        foreach (var server in servers) await server.DisposeAsync();
    }
}

/// <summary>A clock whose timestamps (and so elapsed times and token refills) move only when the test says so.</summary>
internal sealed class SteppedClock : TimeProvider
{
    private long ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref ticks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
