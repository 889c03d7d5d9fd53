using System.Diagnostics;
using System.Net;
using FluentAssertions;
using RagOperator.InProcess.Qdrant;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class ShardFailureTests : IAsyncLifetime
{
    private ShardCluster cluster = null!;
    private TestRouter router = null!;
    private Dictionary<ulong, float[]> points = null!;

    public async Task InitializeAsync()
    {
        cluster = await ShardCluster.StartAsync(shards: 3, dimension: 4, distance: Distance.Euclid);
        router = await TestRouter.StartAsync(cluster, cluster.StableTable());
        var random = new Random(3);
        points = Enumerable.Range(1, 200).ToDictionary(i => (ulong)i, _ => Vectors.Random(random, 4));
        var reply = await router.Client.UpsertAsync(Requests.Upsert(points.Select(p => Requests.Point(p.Key, p.Value))));
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
    }

    public async Task DisposeAsync()
    {
        await router.DisposeAsync();
        await cluster.DisposeAsync();
    }

    [Theory]
    [InlineData(QdrantDownMode.CloseConnection)]
    [InlineData(QdrantDownMode.ServiceUnavailable)]
    public async Task A_search_that_cannot_reach_a_shard_fails_with_503_naming_it(QdrantDownMode mode)
    {
        cluster.Servers[1].Faults.Down(mode);

        var reply = await router.Client.SearchAsync(Requests.Search([0, 0, 0, 0], 10));

        reply.Status.Should().Be(HttpStatusCode.ServiceUnavailable, reply.Text);
        reply.Error.Should().StartWith($"search incomplete: shard 1 ({cluster.Servers[1].BaseUri}) is unavailable:");
        reply.Error.Should().Contain("set allow_partial");
        reply.Body!["shards"]!.AsArray().Select(s => s!.GetValue<int>()).Should().Equal(1);
        reply.Body["result"].Should().BeNull("no results are returned rather than fewer");
    }

    [Fact]
    public async Task With_allow_partial_the_answer_is_marked_partial_and_lists_the_missing_shard()
    {
        cluster.Servers[2].Faults.Down();
        var query = new float[] { 0.1f, -0.2f, 0.3f, 0.0f };

        var reply = await router.Client.SearchAsync(Requests.Search(query, 10, allowPartial: true));

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Body!["partial"]!.GetValue<bool>().Should().BeTrue();
        reply.Body["missing_shards"]!.AsArray().Select(s => s!.GetValue<int>()).Should().Equal(2);
        reply.Body["missing_reasons"]![0]!["shard"]!.GetValue<int>().Should().Be(2);

        // The hits are the exact top-10 of the shards that answered.
        var table = router.Handle.CurrentTable!;
        var reachable = points.Where(p => table.OldOwner(table.CellOf(PointKey.FromUlong(p.Key))) != 2).ToDictionary();
        OracleAssert.Matches(reply.Body["result"], Vectors.Exact(Distance.Euclid, query, reachable, 10), "partial search");
    }

    [Fact]
    public async Task A_slow_shard_is_bounded_by_the_deadline()
    {
        cluster.Servers[0].Faults.Latency = TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();

        var strict = await router.Client.SearchAsync(Requests.Search([0, 0, 0, 0], 5, timeoutMs: 300));
        var partial = await router.Client.SearchAsync(Requests.Search([0, 0, 0, 0], 5, allowPartial: true, timeoutMs: 300));

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "both searches end at their 300 ms deadline, not after the shard's 20 s");
        strict.Status.Should().Be(HttpStatusCode.ServiceUnavailable, strict.Text);
        strict.Error.Should().Contain("shard 0").And.Contain("timed out").And.Contain("no answer within 300 ms");
        partial.Status.Should().Be(HttpStatusCode.OK, partial.Text);
        partial.Body!["missing_shards"]!.AsArray().Select(s => s!.GetValue<int>()).Should().Equal(0);
        Requests.Ids(partial.Body["result"]).Should().HaveCount(5);
    }

    [Fact]
    public async Task A_write_whose_target_shard_is_down_is_not_acknowledged_and_names_the_shard()
    {
        var table = router.Handle.CurrentTable!;
        var id = Enumerable.Range(1000, 100).Select(i => (ulong)i).First(i => table.OldOwner(table.CellOf(PointKey.FromUlong(i))) == 1);
        cluster.Servers[1].Faults.Down();

        var reply = await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(id, [1, 1, 1, 1])]));

        reply.Status.Should().Be(HttpStatusCode.ServiceUnavailable, reply.Text);
        reply.Error.Should().StartWith($"upsert not acknowledged: shard 1 ({cluster.Servers[1].BaseUri})");
        reply.Error.Should().Contain("retrying the same request is safe");
        reply.Body!["shards"]!.AsArray().Select(s => s!.GetValue<int>()).Should().Equal(1);

        cluster.Servers[1].Faults.Up();
        var retry = await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(id, [1, 1, 1, 1])]));
        retry.Status.Should().Be(HttpStatusCode.OK, retry.Text);
        cluster.PointsOn(1).Should().ContainKey(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
