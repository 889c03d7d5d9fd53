using Microsoft.AspNetCore.Builder;
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

    /// <summary>Maps <c>GET {pattern}</c> to prometheus-net's exporter over the registry that <see cref="AddRagMetrics"/> registered.</summary>
    public static IEndpointConventionBuilder MapRagMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        var registry = endpoints.ServiceProvider.GetService<CollectorRegistry>()
            ?? throw new InvalidOperationException($"No {nameof(CollectorRegistry)} is registered; call services.{nameof(AddRagMetrics)}() first.");
        return endpoints.MapMetrics(settings => settings.Registry = registry, pattern);
    }
}
