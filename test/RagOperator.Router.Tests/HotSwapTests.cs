using System.Net;
using FluentAssertions;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class HotSwapTests
{
    [Fact]
    public async Task A_search_in_flight_during_a_swap_finishes_on_the_table_it_started_with()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        using var gated = new GatedQdrantClients(nameof(RagOperator.Qdrant.IQdrantClient.SearchAsync), cluster.GrpcAddress);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(), clients: gated);
        var ids = Enumerable.Range(1, 40).Select(i => (ulong)i).ToList();
        (await router.Client.UpsertAsync(Requests.Upsert(ids.Select(id => Requests.Point(id, [id, 1]))))).Status.Should().Be(HttpStatusCode.OK);

        // Held at the gate: the longest deadline, so a loaded machine cannot turn the wait into a 503.
        var inFlight = router.Client.SearchAsync(Requests.Search([1, 0], 40, timeoutMs: 60_000));
        await gated.WaitUntilHeldAsync();

        // v2 sends shard 1 to an address where nothing listens.
        var v2 = RoutingTable.Create(cluster.Collection, ShardCluster.Namespace, 2, new HashCellAssigner(cluster.Slots), 2, Distance.Dot,
        [
            new RoutingShard(0, cluster.Servers[0].BaseUri.AbsoluteUri, cluster.Split(0)),
            new RoutingShard(1, "http://127.0.0.1:9/", cluster.Split(1)),
        ]);
        (await router.Source.PublishAsync(v2)).Accepted.Should().BeTrue();
        gated.Open();

        var reply = await inFlight;
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Body!["routing_version"]!.GetValue<long>().Should().Be(1);
        Requests.Ids(reply.Body["result"]).Should().HaveCount(40, "the search kept using both shards of v1");

        var after = await router.Client.SearchAsync(Requests.Search([1, 0], 40));
        after.Status.Should().Be(HttpStatusCode.ServiceUnavailable, "under v2 shard 1 is unreachable");
        after.Error.Should().Contain("shard 1 (http://127.0.0.1:9/)");
    }

    /// <summary>
    /// A write routed by the previous table may still be landing on the old owner only; a search routed by it may
    /// still wait on a shard the operator is about to delete once every router serves the new table. Either must
    /// hold the served version back until it ends.
    /// </summary>
    [Theory]
    [InlineData(nameof(RagOperator.Qdrant.IQdrantClient.UpsertAsync))]
    [InlineData(nameof(RagOperator.Qdrant.IQdrantClient.SearchAsync))]
    public async Task The_served_version_waits_for_requests_routed_by_an_older_table(string shardCall)
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        using var gated = new GatedQdrantClients(shardCall, cluster.GrpcAddress);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(), clients: gated);

        var request = shardCall == nameof(RagOperator.Qdrant.IQdrantClient.UpsertAsync)
            ? router.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [1, 1])]))
            : router.Client.SearchAsync(Requests.Search([1, 0], 5, timeoutMs: 60_000));
        await gated.WaitUntilHeldAsync();
        (await router.Source.PublishAsync(cluster.StableTable(version: 2))).Accepted.Should().BeTrue();

        var during = await router.Client.GetAsync("v1/routing");
        during.Body!["version"]!.GetValue<long>().Should().Be(2);
        during.Body["servedVersion"]!.GetValue<long>().Should().Be(1, "a request routed by v1 is still in flight");

        gated.Open();
        var reply = await request;
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        reply.Body!["routing_version"]!.GetValue<long>().Should().Be(1);
        var after = await router.Client.GetAsync("v1/routing");
        after.Body!["servedVersion"]!.GetValue<long>().Should().Be(2);
    }

    [Fact]
    public async Task Before_any_table_the_router_is_live_but_not_ready_and_data_requests_get_503()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 1, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster);

        (await router.Client.GetAsync("healthz")).Status.Should().Be(HttpStatusCode.OK);
        var ready = await router.Client.GetAsync("readyz");
        ready.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        var search = await router.Client.SearchAsync(Requests.Search([1, 0], 1));
        search.Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        search.Error.Should().Be("no routing table for collection 'docs' is loaded yet; the router is not ready");
        (await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [1, 0])]))).Status.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await router.Client.GetAsync("v1/routing")).Body!["version"]!.GetValue<long>().Should().Be(0);

        (await router.Source.PublishAsync(cluster.StableTable())).Accepted.Should().BeTrue();
        (await router.Client.GetAsync("readyz")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_table_for_another_collection_is_refused()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 1, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable());

        var verdict = await router.Source.PublishAsync(cluster.StableTable(version: 2, collection: "other"));

        verdict.Outcome.Should().Be(RoutingTableUpdateOutcome.WrongCollection);
        router.Handle.CurrentTable!.Version.Should().Be(1);
        router.Handle.LastRoutingProblem!.Reason.Should().Contain("it is for collection default/other");
    }
}
