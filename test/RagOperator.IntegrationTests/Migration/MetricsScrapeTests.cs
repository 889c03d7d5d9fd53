using FluentAssertions;
using RagOperator.Observability.Metrics;
using RagOperator.TestSupport.Prometheus;
using Xunit;
using Xunit.Abstractions;

namespace RagOperator.IntegrationTests.Migration;

/// <summary>
/// Scrapes <c>/metrics</c> from the running operator and a running router after a migration under load, parses every
/// line with the strict text-format parser (which throws on any violation), and looks for the families platform
/// teams alert on. The catalogue itself is checked against the dashboard and the naming rules elsewhere; this test
/// checks that the processes really serve it.
/// </summary>
[Collection(MigrationCollection.Name)]
public sealed class MetricsScrapeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_line_served_on_metrics_by_the_operator_and_a_router_parses_and_the_catalogue_families_are_there()
    {
        await using var scenario = await MigrationScenario.StartAsync("scrape", 2, seed: 21, output.WriteLine);
        await scenario.LoadAsync(400);
        scenario.StartWorkload();
        await scenario.ScaleAsync(3);
        await scenario.WaitForDoneAsync(3, TimeSpan.FromSeconds(60));
        await scenario.StopWorkloadAsync();
        using var http = new HttpClient();

        var operatorText = await http.GetStringAsync(new Uri(scenario.Sandbox.Operator!.MetricsUri!, "/metrics"));
        var router = scenario.Sandbox.RoutersOf(scenario.Name)[0];
        using var routerHttp = await scenario.Sandbox.RouterHttpClientAsync(scenario.Name, TimeSpan.FromSeconds(30));
        var routerText = await routerHttp.GetStringAsync(new Uri(router.BaseUri, "/metrics"));
        var fromOperator = PrometheusTextParser.Parse(operatorText);
        var fromRouter = PrometheusTextParser.Parse(routerText);

        // leader_is_leader is served only with leader election on, which the Sandbox leaves off (LeaderElectionTests scrape it).
        (string Name, string Value)[] collection = [(RagTags.Collection, scenario.Name), (RagTags.CollectionNamespace, scenario.Sandbox.Namespace)];
        foreach (var spec in new[]
        {
            RagInstruments.Reconciles, RagInstruments.ReconcileDuration, RagInstruments.WorkQueueDepth, RagInstruments.WorkQueueLatency,
            RagInstruments.ApiRequests, RagInstruments.ShardsReady, RagInstruments.Points,
            RagInstruments.RoutingVersion, RagInstruments.MigrationPhase, RagInstruments.PointsCopied, RagInstruments.MigrationCopyRate,
        })
        {
            fromOperator.Family(spec.Name).Samples.Should().NotBeEmpty($"the operator serves {spec.Name}");
        }

        fromOperator.Value(RagInstruments.ShardsReady.Name, collection).Should().Be(3);
        fromOperator.Value(RagInstruments.MigrationPhase.Name, [.. collection, (RagTags.Phase, "Done")]).Should().Be(1);
        fromOperator.Value(RagInstruments.MigrationPhase.Name, [.. collection, (RagTags.Phase, "Copying")]).Should().Be(0);
        fromOperator.Value(RagInstruments.PointsCopied.Name, collection).Should().BeGreaterThan(0);
        fromOperator.Family(RagInstruments.ApiRequests.Name).Samples
            .Should().Contain(s => s.Labels.ContainsKey("verb") && s.Labels.ContainsKey("code"), "API calls are counted by verb and code");

        // The type each family is declared with is the catalogue's, so rate() and histogram_quantile() apply.
        foreach (var spec in RagInstruments.All.Where(spec => fromOperator.Has(spec.Name)))
        {
            fromOperator.Family(spec.Name).Type.Should().Be(spec.Kind.ToString().ToLowerInvariant(), $"{spec.Name} is a {spec.Kind}");
        }

        fromOperator.Family(RagInstruments.ReconcileDuration.Name).Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal))
            .Select(s => s.Labels["le"]).Distinct().Should().Equal(
                [.. RagInstruments.SecondsBuckets.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)), "+Inf"], "reconcile time is in seconds buckets");
        fromOperator.Family(RagInstruments.MigrationBatchSize.Name).Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal))
            .Select(s => s.Labels["le"]).Distinct().Should().Contain(["250", "10000", "+Inf"], "batch sizes are counted in points, not seconds");

        foreach (var spec in new[]
        {
            RagInstruments.RouterRequestDuration, RagInstruments.RouterShardRequestDuration, RagInstruments.RouterFanOut, RagInstruments.RouterRoutingVersion,
        })
        {
            fromRouter.Family(spec.Name).Samples.Should().NotBeEmpty($"the router serves {spec.Name}");
        }

        fromRouter.Family(RagInstruments.RouterRequestDuration.Name).Samples
            .Should().Contain(s => s.Labels.GetValueOrDefault("endpoint") == "search").And.Contain(s => s.Labels.GetValueOrDefault("endpoint") == "upsert");
        fromRouter.Family(RagInstruments.RouterShardRequestDuration.Name).Samples
            .Select(s => s.Labels.GetValueOrDefault("shard")).Distinct().Should().Contain(["0", "1", "2"], "latency is broken down per shard, the new one included");
    }
}
