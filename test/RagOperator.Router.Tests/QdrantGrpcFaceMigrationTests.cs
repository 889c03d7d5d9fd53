using FluentAssertions;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;
using static Qdrant.Client.Grpc.Conditions;
using Distance = RagOperator.Routing.Distance;
using GrpcRange = global::Qdrant.Client.Grpc.Range;
using Vectors = RagOperator.Router.Tests.Support.Vectors;

namespace RagOperator.Router.Tests;

/// <summary>
/// The official client against a router while half the cells move from shard 0 to shard 1, through every rule of the
/// migration: each call answers as one unsharded Qdrant that received the same writes, although the shards then hold
/// copies of the moving points on both sides (complete or stale).
/// </summary>
public sealed class QdrantGrpcFaceMigrationTests : IAsyncLifetime
{
    private const int Dimension = 6;
    private TwinCollections twins = null!;
    private RoutingTable stable = null!;
    private CellMove move = null!;

    public async Task InitializeAsync()
    {
        twins = await TwinCollections.StartAsync(shards: 2, dimension: Dimension, distance: Distance.Dot, table: cluster => cluster.AllOnFirstShard());
        stable = twins.Router.Handle.CurrentTable!;
        move = new CellMove(CellSet.FromRange(stable.CellCount / 2, stable.CellCount - 1), From: 0, To: 1);
        await twins.UpsertBothAsync(TwinCollections.Points(200, Dimension, seed: 21));
    }

    public async Task DisposeAsync() => await twins.DisposeAsync();

    [Fact]
    public async Task Every_call_answers_as_one_qdrant_through_every_rule_of_a_migration()
    {
        var random = new Random(5);
        var migration = stable.StartMigration(2, "m-2", [move]);
        await PublishAsync(migration);
        await ChangeBothAsync(random, round: 1);
        await ExpectSameAnswersAsync(random, "read-old-write-both, target partly written");

        // The copier's work: every moving point the target does not hold yet, with its routing fields as they are.
        await CopyMovingPointsAsync();
        await ExpectSameAnswersAsync(random, "read-old-write-both, copy complete");

        await PublishAsync(migration.WithRule(3, MigrationRule.ReadNewWriteBoth));
        await ChangeBothAsync(random, round: 2);
        await ExpectSameAnswersAsync(random, "read-new-write-both");

        await PublishAsync(migration.WithRule(4, MigrationRule.ReadNewWriteNew));
        await ChangeBothAsync(random, round: 3);
        await ExpectSameAnswersAsync(random, "read-new-write-new, source holds stale copies");

        // The clean-up: the sources lose the moved cells, then the stable table with the new ownership goes out.
        using (var source = TwinCollections.Client(twins.Cluster.Servers[0].GrpcUri, null))
        {
            await source.DeleteAsync(twins.Collection, Range(PayloadFields.Cell, new GrpcRange { Gte = move.Cells.Ranges[0].Start }));
        }

        await ExpectSameAnswersAsync(random, "read-new-write-new, sources cleaned");
        await PublishAsync(migration.CompleteMigration(5));
        await ExpectSameAnswersAsync(random, "after cut-over");
    }

    /// <summary>Upserts, deletes and payload changes sent to both collections.</summary>
    private async Task ChangeBothAsync(Random random, int round)
    {
        var updates = Enumerable.Range(1, 200).Where(i => i % 7 == round).Select(i => new PointStruct
        {
            Id = new PointId { Num = (ulong)i },
            Vectors = Vectors.Random(random, Dimension),
            Payload = { ["group"] = i % 4, ["round"] = round },
        }).ToList();
        await twins.UpsertBothAsync(updates);
        foreach (var client in new[] { twins.ViaRouter, twins.Direct })
        {
            await client.DeleteAsync(twins.Collection, [(ulong)(round * 11), (ulong)(round * 13)]);
            await client.SetPayloadAsync(twins.Collection, new Dictionary<string, Value> { ["seen"] = round }, Match("group", round % 4));
            await client.DeletePayloadAsync(twins.Collection, ["name"], [(ulong)(round * 3), (ulong)(round * 3 + 1)]);
            await client.DeleteAsync(twins.Collection, Match("rank", 100 + round));
        }
    }

    private async Task ExpectSameAnswersAsync(Random random, string because)
    {
        (await twins.AllAsync(twins.ViaRouter, 9)).Should().Equal(await twins.AllAsync(twins.Direct, 9), because);
        (await twins.ViaRouter.CountAsync(twins.Collection)).Should().Be(await twins.Direct.CountAsync(twins.Collection), because);
        (await twins.ViaRouter.CountAsync(twins.Collection, Match("group", 1))).Should().Be(await twins.Direct.CountAsync(twins.Collection, Match("group", 1)), because);
        IReadOnlyList<PointId> ids = [.. Enumerable.Range(1, 40).Select(i => new PointId { Num = (ulong)i })];
        TwinCollections.Text(await twins.ViaRouter.RetrieveAsync(twins.Collection, ids, withPayload: true, withVectors: true))
            .Should().Equal(TwinCollections.Text(await twins.Direct.RetrieveAsync(twins.Collection, ids, withPayload: true, withVectors: true)), because);
        (await twins.ViaRouter.GetCollectionInfoAsync(twins.Collection)).PointsCount.Should().Be(await twins.Direct.CountAsync(twins.Collection), because);
        for (var q = 0; q < 5; q++)
        {
            var vector = Vectors.Random(random, Dimension);
            var hits = await twins.ViaRouter.QueryAsync(twins.Collection, vector, limit: 15, payloadSelector: true);
            TwinCollections.Text(hits).Should().Equal(TwinCollections.Text(await twins.Direct.QueryAsync(twins.Collection, vector, limit: 15, payloadSelector: true)), because);
        }

        var vectors = Enumerable.Range(0, 3).Select(_ => Vectors.Random(random, Dimension)).ToList();
        var searches = vectors.Select(v => new SearchPoints { Vector = { v }, Limit = 7, Offset = 2, WithPayload = new WithPayloadSelector { Enable = true } }).ToList();
        var queries = vectors.Select(v => new QueryPoints { Query = v, Limit = 6, Filter = Match("group", 2) }).ToList();
#pragma warning disable CS0618 // The deprecated search calls: clients still send them.
        TwinCollections.Text(await twins.ViaRouter.SearchAsync(twins.Collection, vectors[0], limit: 8))
            .Should().Equal(TwinCollections.Text(await twins.Direct.SearchAsync(twins.Collection, vectors[0], limit: 8)), because);
        (await twins.ViaRouter.SearchBatchAsync(twins.Collection, searches)).Select(b => TwinCollections.Text(b.Result))
            .Should().BeEquivalentTo((await twins.Direct.SearchBatchAsync(twins.Collection, searches)).Select(b => TwinCollections.Text(b.Result)), o => o.WithStrictOrdering(), because);
#pragma warning restore CS0618
        (await twins.ViaRouter.QueryBatchAsync(twins.Collection, queries)).Select(b => TwinCollections.Text(b.Result))
            .Should().BeEquivalentTo((await twins.Direct.QueryBatchAsync(twins.Collection, queries)).Select(b => TwinCollections.Text(b.Result)), o => o.WithStrictOrdering(), because);
    }

    private async Task CopyMovingPointsAsync()
    {
        using var source = TwinCollections.Client(twins.Cluster.Servers[0].GrpcUri, null);
        using var target = TwinCollections.Client(twins.Cluster.Servers[1].GrpcUri, null);
        var held = (await target.ScrollAsync(twins.Collection, limit: 10_000)).Result.Select(p => p.Id.ToString()).ToHashSet();
        var moving = (await source.ScrollAsync(twins.Collection, limit: 10_000, payloadSelector: true, vectorsSelector: true)).Result
            .Where(p => move.Cells.Contains((int)p.Payload[PayloadFields.Cell].IntegerValue) && !held.Contains(p.Id.ToString()))
            .Select(p => new PointStruct { Id = p.Id, Vectors = p.Vectors.Vector.Dense.Data.ToArray(), Payload = { p.Payload } })
            .ToList();
        moving.Should().NotBeEmpty();
        await target.UpsertAsync(twins.Collection, moving);
    }

    private async Task PublishAsync(RoutingTable table)
    {
        var verdict = await twins.Router.Source.PublishAsync(table);
        verdict.Accepted.Should().BeTrue(verdict.Reason);
    }
}
