using System.Net;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;
using QdrantDistance = RagOperator.Qdrant.Models.Distance;
using Distance = RagOperator.Routing.Distance;

namespace RagOperator.Router.Tests;

/// <summary>
/// End to end: for random routing tables (stable and mid-migration, shards owning nothing, stale copies on old
/// owners) and random data placed on the shards exactly as the table says, the router's merged top-k equals the
/// top-k of one exact search over the logical points, for every distance.
/// </summary>
public sealed class MergePropertyTests
{
    private const int Trials = 8;

    [Theory]
    [InlineData(Distance.Cosine)]
    [InlineData(Distance.Dot)]
    [InlineData(Distance.Euclid)]
    [InlineData(Distance.Manhattan)]
    public async Task The_merged_top_k_equals_an_exact_search_over_the_union_of_the_shards(Distance distance)
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 3, dimension: 3, distance: distance);
        await using var router = await TestRouter.StartAsync(cluster);
        var clients = cluster.Servers.Select(s => new QdrantShardClient(new QdrantClientOptions { BaseUri = s.BaseUri, GrpcUri = s.GrpcUri })).ToList();
        try
        {
            for (var trial = 0; trial < Trials; trial++)
            {
                var random = new Random((1000 * (int)distance) + trial);
                // Cycle through stable and each migration rule so that every kind of table is covered.
                MigrationRule? rule = trial % 4 == 0 ? null : (MigrationRule)((trial % 4) - 1);
                var table = RandomTable(random, cluster, version: trial + 1, rule);
                var points = await PlaceRandomPointsAsync(random, table, clients, cluster, distance);
                var verdict = await router.Source.PublishAsync(table);
                verdict.Accepted.Should().BeTrue(verdict.Reason);

                for (var q = 0; q < 6; q++)
                {
                    var query = Query(random, distance);
                    var k = random.Next(1, 80);
                    var reply = await router.Client.SearchAsync(Requests.Search(query, k));
                    reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
                    var because = $"{distance} trial {trial} ({Describe(table)}), query {q}, k={k}";
                    if (distance == Distance.Cosine)
                    {
                        OracleAssert.Matches(reply.Body!["result"], Vectors.Exact(distance, query, points, k), because);
                    }
                    else
                    {
                        // Integer vectors make the scores exact and ties common: ids must match exactly, ties by id.
                        var expected = Vectors.Exact(distance, query, points, k);
                        Requests.Ids(reply.Body!["result"]).Should().Equal(expected.Select(e => e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), because);
                        Requests.Scores(reply.Body["result"]).Should().Equal(expected.Select(e => e.Score), (got, want) => Math.Abs(got - want) < 1e-5, because);
                    }
                }
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Random slots and ownership (a shard may own nothing); with a rule, random cells move to other shards.</summary>
    private static RoutingTable RandomTable(Random random, ShardCluster cluster, long version, MigrationRule? rule)
    {
        var slots = random.Next(1, 40);
        var owners = Enumerable.Range(0, slots).Select(_ => random.Next(cluster.Servers.Count)).ToArray();
        var shards = cluster.Servers.Select((server, i) => new RoutingShard(
            i, server.BaseUri.AbsoluteUri, CellSet.FromCells(Enumerable.Range(0, slots).Where(c => owners[c] == i)))).ToList();
        TableMigration? migration = null;
        var moves = new List<CellMove>();
        if (rule is not null)
        {
            foreach (var cell in Enumerable.Range(0, slots).Where(_ => random.Next(3) == 0))
            {
                var to = (owners[cell] + 1 + random.Next(cluster.Servers.Count - 1)) % cluster.Servers.Count;
                moves.Add(new CellMove(CellSet.FromCells([cell]), owners[cell], to));
            }
        }

        if (moves.Count > 0)
        {
            migration = new TableMigration("prop", rule!.Value, [.. moves]);
        }

        return RoutingTable.Create(cluster.Collection, ShardCluster.Namespace, version, new HashCellAssigner(slots), cluster.Dimension, cluster.Distance, shards, migration);
    }

    /// <summary>
    /// Clears the shards and writes random points where the table puts them: every write target, plus, for cells
    /// moved under ReadNewWriteNew, a stale copy with another vector on the old owner (as before cleanup).
    /// </summary>
    private static async Task<Dictionary<ulong, float[]>> PlaceRandomPointsAsync(
        Random random, RoutingTable table, List<QdrantShardClient> clients, ShardCluster cluster, Distance distance)
    {
        foreach (var client in clients)
        {
            await client.DeleteCollectionAsync(cluster.Collection);
            await client.CreateCollectionAsync(cluster.Collection, new CreateCollectionRequest(
                new VectorParams((ulong)cluster.Dimension, Enum.Parse<QdrantDistance>(distance.ToString()))));
        }

        var count = random.Next(0, 250);
        var points = new Dictionary<ulong, float[]>();
        var perShard = clients.Select(_ => new List<PointStruct>()).ToList();
        while (points.Count < count)
        {
            var id = (ulong)random.Next(0, 100_000);
            if (points.ContainsKey(id))
            {
                continue;
            }

            var vector = Query(random, distance);
            points[id] = vector;
            var cell = table.CellOf(PointKey.FromUlong(id));
            foreach (var target in table.WriteTargets(cell))
            {
                perShard[target].Add(Stamped(id, vector, cell));
            }

            if (table.Migration?.Rule == MigrationRule.ReadNewWriteNew && table.IsMoving(cell))
            {
                perShard[table.OldOwner(cell)].Add(Stamped(id, Query(random, distance), cell));
            }
        }

        for (var shard = 0; shard < clients.Count; shard++)
        {
            if (perShard[shard].Count > 0)
            {
                await clients[shard].UpsertAsync(cluster.Collection, perShard[shard]);
            }
        }

        return points;
    }

    private static PointStruct Stamped(ulong id, float[] vector, int cell) =>
        new(id, vector, new JsonObject { [PayloadFields.Cell] = cell, [PayloadFields.Version] = 1 });

    /// <summary>Small integer components for the exact distances (ties on purpose), random reals for Cosine.</summary>
    private static float[] Query(Random random, Distance distance) => distance == Distance.Cosine
        ? Vectors.Random(random, 3)
        : [.. Enumerable.Range(0, 3).Select(_ => (float)random.Next(-3, 4))];

    private static string Describe(RoutingTable table) =>
        $"{table.CellCount} cells, {(table.Migration is null ? "stable" : $"{table.Migration.Rule} moving {table.Migration.Moves.Length} cells")}";
}
