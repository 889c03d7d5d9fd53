using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

/// <summary>
/// Semantic tables through the router over real HTTP: writes go to the shard of the nearest centroid, an update that
/// changes cell leaves no copy behind, searches probe the shards of the nprobe nearest cells, and a re-partition from
/// the provisional hash table routes and reads by its rule.
/// </summary>
public sealed class SemanticRoutingTests : IAsyncLifetime
{
    private const int Dimension = 2;
    private ShardCluster cluster = null!;
    private TestRouter router = null!;
    private RoutingTable semantic = null!;

    public async Task InitializeAsync()
    {
        cluster = await ShardCluster.StartAsync(shards: 2, dimension: Dimension, distance: Distance.Euclid, slots: 16);

        // Cells at x = 0, 10 (shard 0) and 20, 30 (shard 1).
        var assigner = new SemanticCellAssigner(1, Dimension, Distance.Euclid, [0, 0, 10, 0, 20, 0, 30, 0], nprobe: 1);
        semantic = RoutingTable.Create(cluster.Collection, ShardCluster.Namespace, 1, assigner, Dimension, Distance.Euclid,
            [Shard(0, "0-1"), Shard(1, "2-3")]);
        router = await TestRouter.StartAsync(cluster, semantic);
    }

    public async Task DisposeAsync()
    {
        await router.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_point_is_written_to_the_shard_of_its_nearest_centroid_and_stamped_with_its_cell_key()
    {
        (await Upsert((1, [1, 0]), (2, [29, 1]))).Should().Be(HttpStatusCode.OK);

        cluster.PointsOn(0).Keys.Should().Equal("1");
        cluster.PointsOn(1).Keys.Should().Equal("2");
        cluster.PointsOn(1)["2"].Payload[PayloadFields.Cell]!.GetValue<long>().Should().Be((1L << 20) + 3);
    }

    [Fact]
    public async Task An_update_that_moves_a_point_to_another_cell_removes_it_from_its_old_shard()
    {
        (await Upsert((7, [1, 0]))).Should().Be(HttpStatusCode.OK);
        cluster.PointsOn(0).Should().ContainKey("7");

        (await Upsert((7, [31, 0]))).Should().Be(HttpStatusCode.OK);

        cluster.PointsOn(0).Should().NotContainKey("7", "the old copy is deleted with the update");
        cluster.PointsOn(1).Should().ContainKey("7");
        (await router.Client.DeleteAsync(Requests.Delete([7]))).Status.Should().Be(HttpStatusCode.OK);
        cluster.TotalPoints().Should().Be(0, "a delete by id goes to every shard");
    }

    [Fact]
    public async Task A_search_probes_only_the_shards_of_its_nprobe_nearest_cells_unless_asked_for_all()
    {
        var points = new Dictionary<ulong, float[]>();
        for (var i = 0; i < 40; i++) points[(ulong)i + 1] = [i, 0];
        (await Upsert([.. points.Select(p => (p.Key, p.Value))])).Should().Be(HttpStatusCode.OK);

        var near = await Search([2, 0], 30, nprobe: null);
        Shards(near).Should().Equal([0], "nprobe 1: only the shard of cell 0 is asked");
        Requests.Ids(near["result"]).Should().HaveCount(16, "shard 0 holds the 16 points nearest cells 0 and 1 (x = 15 ties, and a tie goes to the lower cell)");

        var all = await Search([2, 0], 30, nprobe: JsonValue.Create("all"));
        OracleAssert.Matches(all["result"], Vectors.Exact(Distance.Euclid, [2, 0], points, 30), "nprobe all is an exact search");
        Shards(all).Should().Equal([0, 1]);

        var two = await Search([14, 0], 5, nprobe: JsonValue.Create(2));
        OracleAssert.Matches(two["result"], Vectors.Exact(Distance.Euclid, [14, 0], points, 5), "cells 1 and 2 hold the answer");
    }

    [Theory]
    [InlineData("0", "nprobe")]
    [InlineData("\"some\"", "must be a positive integer or")]
    public async Task A_bad_nprobe_is_a_400(string value, string message)
    {
        var body = Requests.Search([1, 0], 3);
        body["nprobe"] = JsonNode.Parse(value);

        var reply = await router.Client.SearchAsync(body);

        reply.Status.Should().Be(HttpStatusCode.BadRequest);
        reply.Text.Should().Contain(message);
    }

    [Theory]
    [InlineData(MigrationRule.ReadOldWriteBoth)]
    [InlineData(MigrationRule.ReadNewWriteBoth)]
    [InlineData(MigrationRule.ReadNewWriteNew)]
    public async Task A_repartition_from_hash_writes_by_the_rule_and_reads_each_point_once(MigrationRule rule)
    {
        // Everything lives on shard 0 under hash; the next partition gives cells 2-3 to shard 1.
        var hash = RoutingTable.Create(cluster.Collection, ShardCluster.Namespace, 2, new HashCellAssigner(16), Dimension, Distance.Euclid,
            [Shard(0, "0-15"), Shard(1, "")]);
        await Publish(hash);
        var points = new Dictionary<ulong, float[]>();
        for (var i = 0; i < 40; i++) points[(ulong)i + 1] = [i, 0];
        (await Upsert([.. points.Select(p => (p.Key, p.Value))])).Should().Be(HttpStatusCode.OK);
        var next = new Repartition(semantic.Assigner, semantic.OldAssignment());
        var table = hash.StartRepartition(3, "r-1", next);
        await Publish(table);
        if (rule != MigrationRule.ReadOldWriteBoth) await Publish(table = table.WithRule(4, MigrationRule.ReadNewWriteBoth));
        if (rule == MigrationRule.ReadNewWriteNew) await Publish(table = table.WithRule(5, MigrationRule.ReadNewWriteNew));

        // Rewrite every point under the re-partition table: new owners get stamped copies.
        (await Upsert([.. points.Select(p => (p.Key, p.Value))])).Should().Be(HttpStatusCode.OK);

        var onNewShard = cluster.PointsOn(1);
        onNewShard.Keys.Should().BeEquivalentTo(points.Where(p => p.Value[0] > 15).Select(p => p.Key.ToString(CultureInfo.InvariantCulture)));
        var sample = onNewShard.Values.First();
        sample.Payload[PayloadFields.Cell]!.GetValue<long>().Should().BeGreaterThan(1L << 20, "stamped with the new partition's key");
        sample.Payload[PayloadFields.PreviousCell]!.GetValue<long>().Should().BeLessThan(16, "and its hash cell");
        cluster.PointsOn(0).Count.Should().Be(rule == MigrationRule.ReadNewWriteNew ? 16 : 40,
            "under the write-both rules the old owner is still written; under ReadNewWriteNew an update removes the older copy from every other shard");

        var reply = await Search([30, 0], 40, nprobe: JsonValue.Create("all"));
        OracleAssert.Matches(reply["result"], Vectors.Exact(Distance.Euclid, [30, 0], points, 40), $"{rule}: every point exactly once");
        var expectedShard = rule == MigrationRule.ReadOldWriteBoth ? 0 : 1;
        reply["result"]!.AsArray().First()!["shard"]!.GetValue<int>().Should().Be(expectedShard, "the nearest point is read from the owner the rule names");
    }

    private RoutingShard Shard(int id, string cells) => new(id, cluster.Servers[id].BaseUri.AbsoluteUri, CellSet.Parse(cells));

    private async Task<HttpStatusCode> Upsert(params (ulong Id, float[] Vector)[] points) =>
        (await router.Client.UpsertAsync(Requests.Upsert(points.Select(p => Requests.Point(p.Id, p.Vector))))).Status;

    private async Task<JsonObject> Search(float[] vector, int topK, JsonNode? nprobe)
    {
        var body = Requests.Search(vector, topK);
        if (nprobe is not null) body["nprobe"] = nprobe;
        var reply = await router.Client.SearchAsync(body);
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        return reply.Body!.AsObject();
    }

    private static List<int> Shards(JsonObject reply) =>
        [.. reply["result"]!.AsArray().Select(hit => hit!["shard"]!.GetValue<int>()).Distinct().Order()];

    private async Task Publish(RoutingTable table)
    {
        var verdict = await router.Source.PublishAsync(table);
        verdict.Accepted.Should().BeTrue(verdict.Reason);
    }
}
