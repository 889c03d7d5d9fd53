using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace RagOperator.Observability.Metrics;

/// <summary>Wires the Prometheus exporter into an ASP.NET Core application.</summary>
public static class PrometheusMetricsExtensions
{
    /// <summary>
    /// Registers one <see cref="PrometheusMetricsCollector"/> for the application. Its listener starts when it is
    /// first resolved, which <see cref="MapPrometheusMetrics"/> does at startup so no early measurement is missed.
    /// </summary>
    public static IServiceCollection AddPrometheusMetrics(this IServiceCollection services, Action<PrometheusMetricsOptions>? configure = null)
    {
        services.TryAddSingleton(provider =>
        {
            var options = new PrometheusMetricsOptions();
            configure?.Invoke(options);
            return new PrometheusMetricsCollector(options, provider.GetService<ILogger<PrometheusMetricsCollector>>());
        });
        return services;
    }

    /// <summary>Maps <c>GET {pattern}</c> to the text exposition of the registered collector.</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        var collector = endpoints.ServiceProvider.GetService<PrometheusMetricsCollector>()
            ?? throw new InvalidOperationException(
                $"No {nameof(PrometheusMetricsCollector)} is registered; call services.{nameof(AddPrometheusMetrics)}() first.");
        return endpoints.MapGet(pattern, async context =>
        {
            var body = Encoding.UTF8.GetBytes(collector.Collect());
            context.Response.ContentType = PrometheusMetricsCollector.ContentType;
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        });
    }
}
