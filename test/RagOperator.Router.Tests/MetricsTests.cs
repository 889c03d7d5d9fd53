using System.Net;
using FluentAssertions;
using RagOperator.Observability.Metrics;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_metrics_endpoint_exposes_latency_fan_out_partial_results_errors_and_the_routing_version()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(version: 4),
            options => options with { RouterName = "router-metrics-test" });
        (await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(1, [1, 0])]))).Status.Should().Be(HttpStatusCode.OK);
        (await router.Client.SearchAsync(Requests.Search([1, 0], 1))).Status.Should().Be(HttpStatusCode.OK);
        (await router.Client.SearchAsync(Requests.Search([1, 0, 0], 1))).Status.Should().Be(HttpStatusCode.BadRequest);
        cluster.Servers[1].Faults.Down();
        (await router.Client.SearchAsync(Requests.Search([1, 0], 1, allowPartial: true))).Status.Should().Be(HttpStatusCode.OK);

        var metrics = (await router.Client.GetAsync("metrics")).Text;
        var mine = metrics.Split('\n').Where(line => line.Contains("router=\"router-metrics-test\"", StringComparison.Ordinal)).ToList();

        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterRequestDuration.PrometheusName + "_bucket{", StringComparison.Ordinal)
            && l.Contains("endpoint=\"search\"", StringComparison.Ordinal) && l.Contains("code=\"200\"", StringComparison.Ordinal));
        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterRequestDuration.PrometheusName + "_count{", StringComparison.Ordinal)
            && l.Contains("endpoint=\"upsert\"", StringComparison.Ordinal));
        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterShardRequestDuration.PrometheusName + "_count{", StringComparison.Ordinal)
            && l.Contains("shard=\"1\"", StringComparison.Ordinal) && l.Contains("outcome=\"unreachable\"", StringComparison.Ordinal));
        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterFanOut.PrometheusName + "_sum{", StringComparison.Ordinal));
        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterPartialResults.PrometheusName + "{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterErrors.PrometheusName + "{", StringComparison.Ordinal)
            && l.Contains("kind=\"bad_request\"", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));
        mine.Should().Contain(l => l.StartsWith(RagInstruments.RouterRoutingVersion.PrometheusName + "{", StringComparison.Ordinal) && l.EndsWith(" 4", StringComparison.Ordinal));
    }
}
