using System.Globalization;
using System.Net;
using FluentAssertions;
using RagOperator.Observability.Metrics;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using RagOperator.TestSupport.Prometheus;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_metrics_endpoint_exposes_latency_fan_out_partial_results_errors_and_the_routing_version()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(version: 4));
        (await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [1, 0])]))).Status.Should().Be(HttpStatusCode.OK);
        (await router.Client.SearchAsync(Requests.Search([1, 0], 1))).Status.Should().Be(HttpStatusCode.OK);
        (await router.Client.SearchAsync(Requests.Search([1, 0, 0], 1))).Status.Should().Be(HttpStatusCode.BadRequest);
        cluster.Servers[1].Faults.Down();
        (await router.Client.SearchAsync(Requests.Search([1, 0], 1, allowPartial: true))).Status.Should().Be(HttpStatusCode.OK);

        var metrics = PrometheusTextParser.Parse((await router.Client.GetAsync("metrics")).Text);

        foreach (var spec in RagInstruments.All.Where(spec => spec.Name.StartsWith("ragrouter_", StringComparison.Ordinal)))
        {
            metrics.Family(spec.Name).Type.Should().Be(spec.Kind.ToString().ToLowerInvariant(), $"{spec.Name} is a {spec.Kind}");
        }

        var collection = metrics.Family(RagInstruments.RouterRequestDuration.Name).Samples.Select(s => s.Labels[RagTags.Collection]).First();
        metrics.Value(RagInstruments.RouterRequestDuration.Name + "_count", (RagTags.Endpoint, "search"), (RagTags.Code, "200")).Should().Be(2);
        metrics.Value(RagInstruments.RouterRequestDuration.Name + "_count", (RagTags.Endpoint, "upsert"), (RagTags.Code, "200")).Should().Be(1);
        metrics.Family(RagInstruments.RouterRequestDuration.Name).Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal))
            .Select(s => s.Labels["le"]).Distinct().Should().Equal(
                [.. RagInstruments.SecondsBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"], "latency is bucketed in seconds");
        metrics.Family(RagInstruments.RouterShardRequestDuration.Name).Samples
            .Should().Contain(s => s.Name.EndsWith("_count", StringComparison.Ordinal) && s.Labels[RagTags.Shard] == "1" && s.Labels[RagTags.Outcome] == "unreachable");
        metrics.Value(RagInstruments.RouterFanOut.Name + "_bucket", (RagTags.Collection, collection), ("le", "2")).Should().Be(2, "both searches fanned out to two shards");
        metrics.Value(RagInstruments.RouterFanOut.Name + "_bucket", (RagTags.Collection, collection), ("le", "1")).Should().Be(0, "fan-out is bucketed in shards");
        metrics.Value(RagInstruments.RouterPartialResults.Name, (RagTags.Collection, collection)).Should().Be(1);
        metrics.Value(RagInstruments.RouterErrors.Name, (RagTags.Collection, collection), (RagTags.Kind, "bad_request")).Should().Be(1);
        metrics.Value(RagInstruments.RouterRoutingVersion.Name, (RagTags.Collection, collection)).Should().Be(4);
    }

    [Fact]
    public async Task Two_routers_in_one_process_each_serve_only_their_own_requests()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 1, dimension: 2, distance: Distance.Dot);
        await using var busy = await TestRouter.StartAsync(cluster, cluster.StableTable(version: 1));
        await using var idle = await TestRouter.StartAsync(cluster, cluster.StableTable(version: 1));
        (await busy.Client.SearchAsync(Requests.Search([1, 0], 1))).Status.Should().Be(HttpStatusCode.OK);

        var fromBusy = PrometheusTextParser.Parse((await busy.Client.GetAsync("metrics")).Text);
        var fromIdle = PrometheusTextParser.Parse((await idle.Client.GetAsync("metrics")).Text);

        fromBusy.Value(RagInstruments.RouterRequestDuration.Name + "_count", (RagTags.Endpoint, "search")).Should().Be(1);
        fromIdle.Family(RagInstruments.RouterRequestDuration.Name).Samples.Should().BeEmpty("the other router's search is not this router's");
    }
}
