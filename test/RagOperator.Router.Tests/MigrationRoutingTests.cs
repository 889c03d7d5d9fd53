using System.Globalization;
using System.Net;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

/// <summary>Writes and reads follow the migration rule of the table in force.</summary>
public sealed class MigrationRoutingTests : IAsyncLifetime
{
    private ShardCluster cluster = null!;
    private TestRouter router = null!;
    private RoutingTable stable = null!;
    private CellMove move = null!;

    public async Task InitializeAsync()
    {
        cluster = await ShardCluster.StartAsync(shards: 2, dimension: 4, distance: Distance.Dot, slots: 32);
        stable = cluster.AllOnFirstShard();
        move = new CellMove(CellSet.FromRange(16, 31), From: 0, To: 1);
        router = await TestRouter.StartAsync(cluster, stable);
    }

    public async Task DisposeAsync()
    {
        await router.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task Under_read_old_write_both_a_write_to_a_moving_cell_lands_on_both_owners_and_others_only_on_theirs()
    {
        await Publish(stable.StartMigration(2, "m-2", [move]));
        var ids = Enumerable.Range(1, 200).Select(i => (ulong)i).ToList();

        var reply = await router.Client.UpsertAsync(Requests.Upsert(ids.Select(id => Requests.Point(id, [1, 0, 0, 0]))));

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Body!["routing_version"]!.GetValue<long>().Should().Be(2);
        var onSource = cluster.PointsOn(0);
        var onTarget = cluster.PointsOn(1);
        foreach (var id in ids)
        {
            var key = Key(id);
            var moving = move.Cells.Contains(CellOf(id));
            onSource.Should().ContainKey(key, "the old owner keeps receiving every write of its cells");
            onTarget.ContainsKey(key).Should().Be(moving, $"point {id} (cell {CellOf(id)}) is on the new owner only if its cell moves");
            if (moving)
            {
                onTarget[key].Payload[PayloadFields.Version]!.GetValue<long>()
                    .Should().Be(onSource[key].Payload[PayloadFields.Version]!.GetValue<long>(), "both copies carry the same write version");
            }
        }

        var delete = await router.Client.DeleteAsync(Requests.Delete(ids));
        delete.Status.Should().Be(HttpStatusCode.OK, delete.Text);
        cluster.TotalPoints().Should().Be(0, "deletes go to every write target, so neither owner keeps a copy to resurrect");
    }

    [Fact]
    public async Task Under_read_new_write_new_a_write_to_a_moving_cell_lands_only_on_the_new_owner()
    {
        var migration = stable.StartMigration(2, "m-2", [move]);
        await Publish(migration);
        await Publish(migration.WithRule(3, MigrationRule.ReadNewWriteBoth));
        await Publish(migration.WithRule(4, MigrationRule.ReadNewWriteNew));
        var ids = Enumerable.Range(1, 200).Select(i => (ulong)i).ToList();

        var reply = await router.Client.UpsertAsync(Requests.Upsert(ids.Select(id => Requests.Point(id, [1, 0, 0, 0]))));

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        var onSource = cluster.PointsOn(0);
        var onTarget = cluster.PointsOn(1);
        foreach (var id in ids)
        {
            var moving = move.Cells.Contains(CellOf(id));
            onTarget.ContainsKey(Key(id)).Should().Be(moving);
            onSource.ContainsKey(Key(id)).Should().Be(!moving);
        }
    }

    [Theory]
    [InlineData(MigrationRule.ReadOldWriteBoth)]
    [InlineData(MigrationRule.ReadNewWriteBoth)]
    [InlineData(MigrationRule.ReadNewWriteNew)]
    public async Task Searches_never_return_a_point_twice_when_source_and_target_both_hold_it(MigrationRule rule)
    {
        var random = new Random((int)rule);
        var points = Enumerable.Range(1, 300).ToDictionary(i => (ulong)i, _ => Vectors.Random(random, 4));

        // Written under write-both, so every moving point is on both shards.
        var migration = stable.StartMigration(2, "m-2", [move]);
        await Publish(migration);
        (await router.Client.UpsertAsync(Requests.Upsert(points.Select(p => Requests.Point(p.Key, p.Value))))).Status.Should().Be(HttpStatusCode.OK);
        var both = points.Keys.Where(id => move.Cells.Contains(CellOf(id))).ToList();
        both.Should().NotBeEmpty();
        cluster.PointsOn(1).Keys.Should().BeEquivalentTo(both.Select(Key));

        var current = migration;
        if (rule != MigrationRule.ReadOldWriteBoth)
        {
            current = migration.WithRule(3, MigrationRule.ReadNewWriteBoth);
            await Publish(current);
        }

        if (rule == MigrationRule.ReadNewWriteNew)
        {
            current = current.WithRule(4, MigrationRule.ReadNewWriteNew);
            await Publish(current);

            // Now update the moving points: the new owner gets new vectors, the source keeps stale copies.
            foreach (var id in both)
            {
                points[id] = Vectors.Random(random, 4);
            }

            (await router.Client.UpsertAsync(Requests.Upsert(both.Select(id => Requests.Point(id, points[id]))))).Status.Should().Be(HttpStatusCode.OK);
        }

        for (var q = 0; q < 10; q++)
        {
            var query = Vectors.Random(random, 4);
            var reply = await router.Client.SearchAsync(Requests.Search(query, 50));
            reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
            var ids = Requests.Ids(reply.Body!["result"]);
            ids.Should().OnlyHaveUniqueItems();
            OracleAssert.Matches(reply.Body["result"], Vectors.Exact(Distance.Dot, query, points, 50), $"{rule} query {q}");
            foreach (var hit in reply.Body["result"]!.AsArray())
            {
                var id = ulong.Parse(hit!["id"]!.ToJsonString(), CultureInfo.InvariantCulture);
                hit["shard"]!.GetValue<int>().Should().Be(current.ReadOwner(CellOf(id)), $"point {id} is read from the owner the rule names");
            }
        }
    }

    private int CellOf(ulong id) => stable.CellOf(PointKey.FromUlong(id));

    private static string Key(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    private async Task Publish(RoutingTable table)
    {
        var verdict = await router.Source.PublishAsync(table);
        verdict.Accepted.Should().BeTrue(verdict.Reason);
    }
}
