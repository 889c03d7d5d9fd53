using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RagOperator.Observability.Tracing;

/// <summary>OpenTelemetry tracing for the project's <see cref="System.Diagnostics.ActivitySource"/>s (<c>RagOperator.*</c>).</summary>
public static class RagTracingExtensions
{
    /// <summary>The source pattern every project ActivitySource falls under.</summary>
    public const string SourcePattern = RagMeters.Prefix + ".*";

    /// <summary>
    /// Exports spans of every <c>RagOperator.*</c> ActivitySource through OTLP to <paramref name="otlpEndpoint"/>.
    /// Without an endpoint nothing is registered at all, so no listener exists and the sources create no
    /// activities — tracing costs nothing when it is off. The tracer provider starts with the host and is flushed
    /// and disposed when it stops. The default protocol is gRPC (port 4317); use
    /// <see cref="OtlpExportProtocol.HttpProtobuf"/> for port 4318 (the exporter then posts to <c>/v1/traces</c>).
    /// </summary>
    public static IServiceCollection AddRagTracing(
        this IServiceCollection services,
        string serviceName,
        Uri? otlpEndpoint,
        OtlpExportProtocol protocol = OtlpExportProtocol.Grpc)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        if (otlpEndpoint is null)
        {
            return services;
        }

        var version = typeof(RagTracingExtensions).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName, serviceVersion: version))
            .AddSource(SourcePattern)
            .AddOtlpExporter(options =>
            {
                options.Protocol = protocol;
                options.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
                    ? new Uri(otlpEndpoint.AbsoluteUri.TrimEnd('/') + "/v1/traces")
                    : otlpEndpoint;
            })
            .Build());
        services.AddHostedService<TracerProviderLifetime>();
        return services;
    }

    /// <summary>Creates the tracer provider when the host starts and flushes buffered spans when it stops.</summary>
    private sealed class TracerProviderLifetime(TracerProvider provider) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            provider.ForceFlush(timeoutMilliseconds: 5000);
            return Task.CompletedTask;
        }
    }
}
