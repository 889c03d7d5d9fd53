using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Operator.Migration;
using RagOperator.Router;
using RagOperator.Router.Api;
using RagOperator.Router.Shards;
using RagOperator.Router.Telemetry;
using RagOperator.Router.Writes;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

/// <summary>
/// The interleaving behind an acknowledged write lost in a randomized soak run. A client writes a point through one
/// router replica (A), and once acknowledged writes it again through another (B). The copier read A from the source
/// just before B landed on both owners, and read the target's version just after. Without commit wait, B's version
/// can be lower than A's (replicas do not see each other's versions; here the second one's clock is behind by less
/// than the configured uncertainty, which is the same-millisecond case in the large), so the copier took A for the
/// newer copy, replaced B on the target, and the verify pass then copied A back over B on the source.
/// </summary>
public sealed class CrossRouterOrderTests : IAsyncLifetime
{
    private static readonly TimeSpan Skew = TimeSpan.FromMilliseconds(500);
    private static readonly CellSet AllCells = CellSet.FromRange(0, 15);
    private QdrantShards shards = null!;
    private RoutingTable table = null!;

    public async Task InitializeAsync()
    {
        shards = await QdrantShards.StartAsync(2);
        table = RoutingTable.Create(
                QdrantShards.Collection, "default", 1, new HashCellAssigner(16), QdrantShards.Dimension, Distance.Dot,
                [new RoutingShard(0, shards.Servers[0].BaseUri.AbsoluteUri, AllCells), new RoutingShard(1, shards.Servers[1].BaseUri.AbsoluteUri, CellSet.Empty)])
            .StartMigration(2, "m-1to2", [new CellMove(AllCells, 0, 1)]);
    }

    public async Task DisposeAsync() => await shards.DisposeAsync();

    [Fact]
    public async Task A_write_acknowledged_through_a_second_router_after_the_first_survives_a_copier_that_read_the_first()
    {
        using var first = Router(routerId: 7, TimeProvider.System);
        using var second = Router(routerId: 3, new SkewedTime(-Skew));
        await WarmUpAsync(first, second);
        var id = PointKey.FromUlong(42);

        (await first.Writes.UpsertAsync(table, [Point(id, seq: 1)])).Acknowledged.Should().BeTrue();
        var source = new HookedQdrantClient(shards.Clients[0]);
        var raced = false;
        source.AfterScroll = async (request, _) =>
        {
            if (raced || request.Filter?.Must is [Qdrant.Filters.HasIdCondition, ..]) return;
            raced = true;

            // Between the copier's read of the source and its read of the target: B lands on both owners.
            (await second.Writes.UpsertAsync(table, [Point(id, seq: 2)])).Acknowledged.Should().BeTrue();
        };

        await new CellCopier(source, shards.Clients[1], QdrantShards.Collection, AllCells).CopyAllAsync();
        await new CellVerifier(shards.Clients[0], shards.Clients[1], QdrantShards.Collection, AllCells).VerifyWindowAsync(null, passClean: true, CancellationToken.None);

        raced.Should().BeTrue();
        (await shards.ReadAsync(1))[42].Seq.Should().Be(2, "the target keeps the acknowledged write B, not the copy of A read before it");
        (await shards.ReadAsync(0))[42].Seq.Should().Be(2, "verify must not copy A back over B on the source");
    }

    [Fact]
    public async Task A_later_write_through_any_replica_gets_a_higher_version_even_with_a_clock_behind_by_the_uncertainty()
    {
        using var ahead = Router(routerId: 900, new SkewedTime(Skew));
        using var behind = Router(routerId: 1, TimeProvider.System);
        await WarmUpAsync(ahead, behind);
        var id = PointKey.FromUlong(7);

        for (var seq = 1; seq <= 2; seq++)
        {
            (await ahead.Writes.UpsertAsync(table, [Point(id, seq)])).Acknowledged.Should().BeTrue();
            var afterAhead = (await shards.ReadAsync(0))[7].Version;
            (await behind.Writes.UpsertAsync(table, [Point(id, seq + 100)])).Acknowledged.Should().BeTrue();
            (await shards.ReadAsync(0))[7].Version.Should().BeGreaterThan(afterAhead, "the write issued after the acknowledgement is the newer one");
        }
    }

    /// <summary>
    /// One write through each replica first, so that connection setup and JIT in a cold test process do not stretch
    /// the gap between the two writes under test beyond the clock skew (which would order them by accident).
    /// </summary>
    private async Task WarmUpAsync(params TestReplica[] replicas)
    {
        foreach (var replica in replicas) await replica.Writes.UpsertAsync(table, [Point(PointKey.FromUlong(1000), seq: 0)]);
    }

    private TestReplica Router(int routerId, TimeProvider time) => new(routerId, time, Skew, shards.GrpcAddress);

    private static WritePoint Point(PointKey id, long seq) =>
        new(id, [1, 0, 0, seq % 3], new JsonObject { ["seq"] = seq });

    /// <summary>One router replica's write path: its shard clients, its clock (with the uncertainty), its metrics.</summary>
    private sealed class TestReplica : IDisposable
    {
        private readonly ShardClients clients;
        private readonly RouterMetrics metrics;

        public TestReplica(int routerId, TimeProvider time, TimeSpan uncertainty, Func<Uri, Uri> grpcAddress)
        {
            metrics = new RouterMetrics(Prometheus.Metrics.NewCustomRegistry(), QdrantShards.Collection, () => 0);
            clients = new ShardClients(new RouterOptions { Collection = QdrantShards.Collection, ShardRetries = 0, ShardGrpcAddress = grpcAddress }, metrics);
            Writes = new WriteRouter(clients, new HybridLogicalClock(routerId, time, uncertainty), metrics, TimeSpan.FromSeconds(10));
        }

        public WriteRouter Writes { get; }

        public void Dispose() => clients.Dispose();
    }

    /// <summary>The system clock moved by a fixed offset: a replica on a node whose clock is ahead or behind.</summary>
    private sealed class SkewedTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
