using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RagOperator.Observability.Metrics;

namespace RagOperator.Observability.Tests;

public sealed class PrometheusEndpointTests
{
    [Fact]
    public async Task The_metrics_endpoint_serves_the_text_format_over_http()
    {
        var prefix = "Test" + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddPrometheusMetrics(options =>
        {
            options.MeterPrefixes.Clear();
            options.MeterPrefixes.Add(prefix);
        });
        await using var app = builder.Build();
        app.MapPrometheusMetrics("/metrics");
        await app.StartAsync();
        using var meter = new Meter(prefix + ".Router");
        meter.CreateHistogram<double>("ragrouter_request_duration", "s").Record(0.02, new KeyValuePair<string, object?>("endpoint", "search"));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        response.IsSuccessStatusCode.Should().BeTrue();
        response.Content.Headers.ContentType!.ToString().Should().Be(PrometheusMetricsCollector.ContentType);
        PrometheusTextParser.Parse(body).Value("ragrouter_request_duration_seconds_count", ("endpoint", "search")).Should().Be(1);
        await app.StopAsync();
    }

    [Fact]
    public async Task Mapping_the_endpoint_without_registering_the_collector_fails_at_startup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var map = () => app.MapPrometheusMetrics();

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddPrometheusMetrics*");
    }

    [Fact]
    public void Registering_twice_keeps_one_collector()
    {
        var services = new ServiceCollection().AddPrometheusMetrics().AddPrometheusMetrics();

        services.Count(d => d.ServiceType == typeof(PrometheusMetricsCollector)).Should().Be(1);
    }
}
