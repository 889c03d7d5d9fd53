using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// Wires prometheus-net into an application. Every operator and router gets its own <see cref="CollectorRegistry"/>
/// instead of prometheus-net's process-wide default: tests, the sandbox and the benchmarks run several operators and
/// routers in one process, and each <c>/metrics</c> must show only its own process's series. The private registry
/// also leaves out prometheus-net's default process and .NET meter metrics, which nothing here queries.
/// </summary>
public static class RagMetricsExtensions
{
    /// <summary>
    /// Registers <paramref name="registry"/> (a new private registry when null) and an <see cref="IMetricFactory"/> on
    /// it. A second call keeps the first registration, so a host that made its registry up front keeps it.
    /// </summary>
    public static IServiceCollection AddRagMetrics(this IServiceCollection services, CollectorRegistry? registry = null)
    {
        services.TryAddSingleton(registry ?? Prometheus.Metrics.NewCustomRegistry());
        services.TryAddSingleton<IMetricFactory>(provider => Prometheus.Metrics.WithCustomRegistry(provider.GetRequiredService<CollectorRegistry>()));
        return services;
    }

    /// <summary>
    /// Maps <c>GET {pattern}</c> to prometheus-net's exporter over the registry that <see cref="AddRagMetrics"/>
    /// registered. The exporter writes into memory inside <see cref="HistogramScrapeGate"/>, and the response is sent
    /// after the gate opens again, so histograms are whole and observers never wait on a slow scraper.
    /// </summary>
    public static IEndpointConventionBuilder MapRagMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        var registry = endpoints.ServiceProvider.GetService<CollectorRegistry>()
            ?? throw new InvalidOperationException($"No {nameof(CollectorRegistry)} is registered; call services.{nameof(AddRagMetrics)}() first.");
        var exporter = endpoints.CreateApplicationBuilder()
            .Use(SerializeInsideTheGate)
            .UseMiddleware<MetricServerMiddleware>(new MetricServerMiddleware.Settings { Registry = registry })
            .Build();
        return endpoints.MapGet(pattern, exporter).WithDisplayName("Prometheus metrics");
    }

    private static async Task SerializeInsideTheGate(HttpContext context, RequestDelegate export)
    {
        var network = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await HistogramScrapeGate.ScrapeAsync(() => export(context), context.RequestAborted);
        }
        finally
        {
            context.Response.Body = network;
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(network, context.RequestAborted);
    }
}
