using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class IntegrationTests
{
    [Fact]
    public async Task Twenty_thousand_points_written_through_the_router_land_on_the_shard_their_cell_names_and_searches_equal_an_exact_oracle()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 4, dimension: 8, distance: Distance.Cosine, slots: 256);
        var table = cluster.StableTable();
        await using var router = await TestRouter.StartAsync(cluster, table);
        var random = new Random(20_000);
        var points = new Dictionary<ulong, float[]>();
        for (ulong id = 0; id < 20_000; id++)
        {
            points[id] = Vectors.Random(random, cluster.Dimension);
        }

        foreach (var batch in points.Chunk(1000))
        {
            var reply = await router.Client.UpsertAsync(Requests.Upsert(batch.Select(p =>
                Requests.Point(p.Key, p.Value, new JsonObject { ["n"] = (long)p.Key }))));
            reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
            reply.Body!["status"]!.GetValue<string>().Should().Be("acknowledged");
            reply.Body["count"]!.GetValue<int>().Should().Be(batch.Length);
        }

        // Every point exactly once, on the owner of its cell, stamped with that cell.
        cluster.TotalPoints().Should().Be(20_000);
        for (var shard = 0; shard < 4; shard++)
        {
            var stored = cluster.PointsOn(shard);
            stored.Should().NotBeEmpty();
            foreach (var (id, point) in stored)
            {
                var cell = table.CellOf(PointKey.Parse(id));
                table.OldOwner(cell).Should().Be(shard, $"point {id} is in cell {cell}");
                point.Payload[PayloadFields.Cell]!.GetValue<int>().Should().Be(cell);
                point.Payload[PayloadFields.Version]!.GetValue<long>().Should().BePositive();
                point.Payload["n"]!.GetValue<long>().Should().Be(long.Parse(id, CultureInfo.InvariantCulture));
            }
        }

        for (var q = 0; q < 20; q++)
        {
            var query = Vectors.Random(random, cluster.Dimension);
            var k = q % 2 == 0 ? 10 : 37;
            var reply = await router.Client.SearchAsync(Requests.Search(query, k, withPayload: true));
            reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
            reply.Body!["partial"]!.GetValue<bool>().Should().BeFalse();
            reply.Body["routing_version"]!.GetValue<long>().Should().Be(1);
            OracleAssert.Matches(reply.Body["result"], Vectors.Exact(cluster.Distance, query, points, k), $"query {q}");
            foreach (var hit in reply.Body["result"]!.AsArray())
            {
                var id = ulong.Parse(hit!["id"]!.ToJsonString(), CultureInfo.InvariantCulture);
                hit["shard"]!.GetValue<int>().Should().Be(table.OldOwner(table.CellOf(PointKey.FromUlong(id))));
                var payload = hit["payload"]!.AsObject();
                payload.Select(p => p.Key).Should().Equal(["n"], "the router's own fields are stripped");
            }
        }
    }

    [Theory]
    [InlineData(Distance.Cosine)]
    [InlineData(Distance.Dot)]
    [InlineData(Distance.Euclid)]
    [InlineData(Distance.Manhattan)]
    public async Task Searches_equal_an_exact_oracle_for_every_distance(Distance distance)
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 3, collection: $"d-{distance.ToString().ToLowerInvariant()}", dimension: 6, distance: distance);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable());
        var random = new Random((int)distance + 7);
        var points = Enumerable.Range(0, 600).ToDictionary(i => (ulong)i * 7919, _ => Vectors.Random(random, cluster.Dimension));
        var reply = await router.Client.UpsertAsync(Requests.Upsert(points.Select(p => Requests.Point(p.Key, p.Value))));
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);

        for (var q = 0; q < 15; q++)
        {
            var query = Vectors.Random(random, cluster.Dimension);
            var k = 1 + (q * 13 % 50);
            var search = await router.Client.SearchAsync(Requests.Search(query, k));
            search.Status.Should().Be(HttpStatusCode.OK, search.Text);
            OracleAssert.Matches(search.Body!["result"], Vectors.Exact(distance, query, points, k), $"{distance} query {q}, k={k}");
        }
    }

    [Fact]
    public async Task A_batch_search_answers_each_query_as_a_single_search_would()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 3, dimension: 4, distance: Distance.Euclid);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable());
        var random = new Random(5);
        var points = Enumerable.Range(1, 300).ToDictionary(i => (ulong)i, _ => Vectors.Random(random, cluster.Dimension));
        (await router.Client.UpsertAsync(Requests.Upsert(points.Select(p => Requests.Point(p.Key, p.Value))))).Status.Should().Be(HttpStatusCode.OK);

        var queries = Enumerable.Range(0, 5).Select(_ => Vectors.Random(random, cluster.Dimension)).ToList();
        var batch = new JsonObject
        {
            ["searches"] = new JsonArray([.. queries.Select((q, i) => (JsonNode)new JsonObject { ["vector"] = Requests.Vector(q), ["top_k"] = 3 + i })]),
        };
        var reply = await router.Client.SearchBatchAsync(batch);
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        var results = reply.Body!["results"]!.AsArray();
        results.Should().HaveCount(5);
        for (var i = 0; i < queries.Count; i++)
        {
            OracleAssert.Matches(results[i]!["result"], Vectors.Exact(Distance.Euclid, queries[i], points, 3 + i), $"batch query {i}");
        }
    }

    [Fact]
    public async Task Deletes_remove_points_from_their_shard_and_uuid_ids_route_like_integers()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 3);
        var table = cluster.StableTable();
        await using var router = await TestRouter.StartAsync(cluster, table);
        var uuid = "9F0C5F0E-3B7A-4C1D-8E2F-0123456789AB";
        var upsert = new JsonObject
        {
            ["points"] = new JsonArray(
                new JsonObject { ["id"] = uuid, ["vector"] = new JsonArray(1f, 0f, 0f) },
                new JsonObject { ["id"] = 42, ["vector"] = new JsonArray(0f, 1f, 0f) }),
        };
        (await router.Client.UpsertAsync(upsert)).Status.Should().Be(HttpStatusCode.OK);
        var canonical = uuid.ToLowerInvariant();
        var owner = table.OldOwner(table.CellOf(PointKey.Parse(canonical)));
        cluster.PointsOn(owner).Should().ContainKey(canonical);

        var delete = new JsonObject { ["ids"] = new JsonArray(canonical, 42) };
        var reply = await router.Client.DeleteAsync(delete);
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Body!["count"]!.GetValue<int>().Should().Be(2);
        cluster.TotalPoints().Should().Be(0);

        var again = await router.Client.DeleteAsync(delete);
        again.Status.Should().Be(HttpStatusCode.OK, "deleting missing points is a no-op, so a retried delete succeeds");
    }
}
