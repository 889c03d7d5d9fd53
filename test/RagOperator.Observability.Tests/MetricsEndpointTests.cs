using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using RagOperator.Observability.Metrics;

namespace RagOperator.Observability.Tests;

/// <summary>
/// <c>/metrics</c> as <see cref="RagMetricsExtensions"/> wires it, scraped over HTTP from a real Kestrel server and
/// checked with the strict text-format parser.
/// </summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task The_endpoint_serves_counters_gauges_and_histograms_with_their_types_labels_and_buckets()
    {
        await using var app = await StartAsync();
        var factory = app.Services.GetRequiredService<IMetricFactory>();
        RagInstruments.ApiRequests.CreateCounter(factory).WithLabels("get", "pods", "200").Inc(3);
        RagInstruments.WorkQueueDepth.CreateGauge(factory).WithLabels("vectorcollection").Set(7);
        var latency = RagInstruments.RouterRequestDuration.CreateHistogram(factory).WithLabels("docs", "search", "200");
        foreach (var seconds in (double[])[0.0004, 0.003, 0.003, 0.2, 75])
        {
            latency.Observe(seconds);
        }

        RagInstruments.RouterFanOut.CreateHistogram(factory).WithLabels("docs").Observe(3);

        var (text, contentType) = await ScrapeAsync(app);
        var exposition = PrometheusTextParser.Parse(text);

        contentType.Should().StartWith("text/plain; version=0.0.4");
        text.Should().Contain("# TYPE kubernetes_api_requests_total counter\n")
            .And.Contain("# TYPE workqueue_depth gauge\n")
            .And.Contain("# TYPE ragrouter_request_duration_seconds histogram\n");
        exposition.Family("kubernetes_api_requests_total").Help.Should().Be(RagInstruments.ApiRequests.Help);
        exposition.Value("kubernetes_api_requests_total", ("verb", "get"), ("resource", "pods"), ("code", "200")).Should().Be(3);
        exposition.Value("workqueue_depth", ("name", "vectorcollection")).Should().Be(7);
        Buckets(exposition, "ragrouter_request_duration_seconds").Should().Equal(
            [.. RagInstruments.SecondsBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"]);
        (string Name, string Value)[] search = [("collection", "docs"), ("endpoint", "search"), ("code", "200")];
        exposition.Value("ragrouter_request_duration_seconds_bucket", [.. search, ("le", "0.001")]).Should().Be(1);
        exposition.Value("ragrouter_request_duration_seconds_bucket", [.. search, ("le", "0.005")]).Should().Be(3, "buckets are cumulative");
        exposition.Value("ragrouter_request_duration_seconds_bucket", [.. search, ("le", "60")]).Should().Be(4);
        exposition.Value("ragrouter_request_duration_seconds_bucket", [.. search, ("le", "+Inf")]).Should().Be(5);
        exposition.Value("ragrouter_request_duration_seconds_count", search).Should().Be(5);
        exposition.Value("ragrouter_request_duration_seconds_sum", search).Should().BeApproximately(75.2064, 1e-9);
        Buckets(exposition, "ragrouter_fanout_width").Should().Equal(
            [.. RagInstruments.FanOutBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"], "fan-out is counted in shards, not seconds");
    }

    [Fact]
    public async Task Scrapes_taken_while_histograms_are_observed_show_each_histogram_whole()
    {
        await using var app = await StartAsync();
        var latency = RagInstruments.RouterRequestDuration.CreateHistogram(app.Services.GetRequiredService<IMetricFactory>()).WithLabels("docs", "search", "200");
        using var stop = new CancellationTokenSource();
        // Values spread over every bucket, so a scrape that reads the buckets twice would catch one in between.
        var observers = Enumerable.Range(0, 2).Select(worker => Task.Run(() =>
        {
            var seconds = 0.0001 * (worker + 1);
            while (!stop.IsCancellationRequested)
            {
                latency.Observe(seconds);
                seconds = seconds > 100 ? 0.0001 : seconds * 1.7;
            }
        })).ToArray();

        try
        {
            for (var scrape = 0; scrape < 300; scrape++)
            {
                var exposition = PrometheusTextParser.Parse((await ScrapeAsync(app)).Text);
                exposition.Value("ragrouter_request_duration_seconds_bucket", ("collection", "docs"), ("endpoint", "search"), ("code", "200"), ("le", "+Inf"))
                    .Should().Be(exposition.Value("ragrouter_request_duration_seconds_count", ("collection", "docs"), ("endpoint", "search"), ("code", "200")));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(observers);
        }
    }

    [Fact]
    public async Task A_scrape_whose_callback_needs_a_lock_that_an_observer_holds_still_completes()
    {
        await using var app = await StartAsync();
        var queueLock = new Lock();
        var depth = 0;
        // As the controller metrics do: the callback reads the work queue's depth under the queue's lock, and the
        // queue observes its latency while holding that lock.
        app.Services.GetRequiredService<CollectorRegistry>().AddBeforeCollectCallback(() =>
        {
            lock (queueLock) depth++;
        });
        var latency = RagInstruments.WorkQueueLatency.CreateHistogram(app.Services.GetRequiredService<IMetricFactory>()).WithLabels("vectorcollection");
        using var stop = new CancellationTokenSource();
        var observer = Task.Run(() =>
        {
            var observed = 0L;
            while (!stop.IsCancellationRequested)
            {
                lock (queueLock)
                {
                    latency.Observe(0.002);
                    observed++;
                }
            }

            return observed;
        });

        try
        {
            for (var scrape = 0; scrape < 200; scrape++) await ScrapeAsync(app).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await stop.CancelAsync();
        }

        var total = await observer;
        var exposition = PrometheusTextParser.Parse((await ScrapeAsync(app)).Text);
        exposition.Value("workqueue_queue_duration_seconds_count", ("name", "vectorcollection")).Should().Be(total, "observations set aside during a scrape are applied after it");
        depth.Should().BeGreaterThanOrEqualTo(200);
    }

    [Fact]
    public async Task Two_applications_in_one_process_each_serve_only_their_own_metrics()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync();
        RagInstruments.RouterErrors.CreateCounter(first.Services.GetRequiredService<IMetricFactory>()).WithLabels("first", "bad_request").Inc();
        RagInstruments.RouterErrors.CreateCounter(second.Services.GetRequiredService<IMetricFactory>()).WithLabels("second", "deadline").Inc(2);

        var fromFirst = PrometheusTextParser.Parse((await ScrapeAsync(first)).Text);
        var fromSecond = PrometheusTextParser.Parse((await ScrapeAsync(second)).Text);

        fromFirst.Family("ragrouter_errors_total").Samples.Should().ContainSingle().Which.Labels["collection"].Should().Be("first");
        fromSecond.Family("ragrouter_errors_total").Samples.Should().ContainSingle().Which.Value.Should().Be(2);
    }

    [Fact]
    public async Task A_private_registry_serves_none_of_the_default_process_or_dotnet_meter_metrics()
    {
        await using var app = await StartAsync();

        var exposition = PrometheusTextParser.Parse((await ScrapeAsync(app)).Text);

        exposition.Families.Should().BeEmpty("nothing was recorded on this registry");
    }

    [Fact]
    public async Task The_qdrant_client_meter_is_forwarded_as_a_counter_and_a_seconds_histogram()
    {
        await using var app = await StartAsync();
        using var bridge = new QdrantClientMeterBridge(app.Services.GetRequiredService<IMetricFactory>());
        // Stands for the Qdrant client library's own meter: same meter and instrument names, same tags.
        using var meter = new Meter(RagMeters.Qdrant);
        var shard = $"shard-{Guid.NewGuid():N}:6333";
        KeyValuePair<string, object?>[] tags = [new("operation", "count_points"), new("outcome", "success"), new("server.address", shard)];
        meter.CreateCounter<long>(QdrantClientMeterBridge.RequestsInstrument).Add(1, tags);
        meter.CreateHistogram<double>(QdrantClientMeterBridge.DurationInstrument, "s").Record(0.02, tags);
        meter.CreateCounter<long>(QdrantClientMeterBridge.RetriesInstrument).Add(1, tags[0], tags[2]);

        var exposition = PrometheusTextParser.Parse((await ScrapeAsync(app)).Text);

        exposition.Family("qdrant_client_requests_total").Type.Should().Be("counter");
        exposition.Value("qdrant_client_requests_total", ("operation", "count_points"), ("outcome", "success"), ("server_address", shard)).Should().Be(1);
        exposition.Family("qdrant_client_request_duration_seconds").Type.Should().Be("histogram");
        exposition.Value("qdrant_client_request_duration_seconds_bucket", ("server_address", shard), ("le", "0.025")).Should().Be(1);
        exposition.Value("qdrant_client_request_duration_seconds_bucket", ("server_address", shard), ("le", "0.01")).Should().Be(0);
        exposition.Value("qdrant_client_retries_total", ("operation", "count_points"), ("server_address", shard)).Should().Be(1);
    }

    [Fact]
    public async Task Mapping_the_endpoint_without_registering_metrics_fails_at_startup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var map = () => app.MapRagMetrics();

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddRagMetrics*");
    }

    [Fact]
    public void Registering_twice_keeps_the_first_registry()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        using var provider = new ServiceCollection().AddRagMetrics(registry).AddRagMetrics().BuildServiceProvider();

        provider.GetServices<CollectorRegistry>().Should().ContainSingle().Which.Should().BeSameAs(registry);
    }

    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRagMetrics();
        var app = builder.Build();
        app.MapRagMetrics();
        await app.StartAsync();
        return app;
    }

    private static async Task<(string Text, string ContentType)> ScrapeAsync(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.ToString() ?? "");
    }

    private static List<string> Buckets(Exposition exposition, string family) =>
        [.. exposition.Family(family).Samples.Where(s => s.Name == family + "_bucket").Select(s => s.Labels["le"]).Distinct()];
}
