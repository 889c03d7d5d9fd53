using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using RagOperator.Observability.Tracing;

namespace RagOperator.Observability.Tests;

/// <summary>Spans go to a loopback OTLP receiver; the class runs its tests one at a time because listeners are process-wide.</summary>
public sealed class RagTracingTests
{
    [Fact]
    public async Task Without_an_endpoint_nothing_is_registered_and_no_activity_is_created()
    {
        var services = new ServiceCollection().AddRagTracing("rag-operator", otlpEndpoint: null);
        await using var provider = services.BuildServiceProvider();
        using var source = new ActivitySource(UniqueSourceName());

        provider.GetService<TracerProvider>().Should().BeNull();
        provider.GetServices<IHostedService>().Should().BeEmpty();
        source.HasListeners().Should().BeFalse("tracing that is off must cost nothing");
    }

    [Fact]
    public async Task Spans_of_ragoperator_sources_are_exported_over_otlp_http_protobuf()
    {
        await using var receiver = await OtlpReceiver.StartAsync(HttpProtocols.Http1);
        var span = "reconcile " + Guid.NewGuid().ToString("N");

        await ExportOneSpanAsync(new Uri(receiver.Address), OtlpExportProtocol.HttpProtobuf, span);
        var request = await receiver.Received.Task.WaitAsync(TimeSpan.FromSeconds(30));

        request.Path.Should().Be("/v1/traces");
        request.ContentType.Should().Be("application/x-protobuf");
        Encoding.UTF8.GetString(request.Body).Should().Contain(span).And.Contain("rag-operator-test");
    }

    [Fact]
    public async Task Spans_are_exported_over_otlp_grpc_by_default()
    {
        await using var receiver = await OtlpReceiver.StartAsync(HttpProtocols.Http2);
        var span = "search " + Guid.NewGuid().ToString("N");

        await ExportOneSpanAsync(new Uri(receiver.Address), OtlpExportProtocol.Grpc, span);
        var request = await receiver.Received.Task.WaitAsync(TimeSpan.FromSeconds(30));

        request.Path.Should().Be("/opentelemetry.proto.collector.trace.v1.TraceService/Export");
        request.ContentType.Should().StartWith("application/grpc");
        Encoding.UTF8.GetString(request.Body).Should().Contain(span);
    }

    [Fact]
    public void A_blank_service_name_is_rejected()
    {
        var add = () => new ServiceCollection().AddRagTracing(" ", new Uri("http://127.0.0.1:4317"));

        add.Should().Throw<ArgumentException>();
    }

    private static async Task ExportOneSpanAsync(Uri endpoint, OtlpExportProtocol protocol, string spanName)
    {
        var services = new ServiceCollection().AddRagTracing("rag-operator-test", endpoint, protocol);
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        using (var source = new ActivitySource(UniqueSourceName()))
        {
            using var activity = source.StartActivity(spanName);
            activity.Should().NotBeNull("the tracer provider listens to every RagOperator.* source");
            activity!.SetTag("collection", "docs");
        }

        // Stopping the host flushes the batch, as the operator does on shutdown.
        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static string UniqueSourceName() => "RagOperator.Test" + Guid.NewGuid().ToString("N");

    private sealed record ReceivedRequest(string Path, string? ContentType, byte[] Body);

    /// <summary>A loopback stand-in for an OpenTelemetry collector: records the first export and acknowledges it.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OtlpReceiver(WebApplication app, string address)
        {
            _app = app;
            Address = address;
        }

        public string Address { get; }

        public TaskCompletionSource<ReceivedRequest> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<OtlpReceiver> StartAsync(HttpProtocols protocols)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
            var app = builder.Build();
            OtlpReceiver? receiver = null;
            app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                receiver!.Received.TrySetResult(new ReceivedRequest(context.Request.Path, context.Request.ContentType, body.ToArray()));
                if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
                {
                    // An empty ExportTraceServiceResponse in one uncompressed gRPC frame, then status OK.
                    context.Response.ContentType = "application/grpc";
                    await context.Response.Body.WriteAsync(new byte[5]);
                    context.Response.AppendTrailer("grpc-status", "0");
                    return;
                }

                context.Response.ContentType = "application/x-protobuf";
                context.Response.StatusCode = StatusCodes.Status200OK;
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            receiver = new OtlpReceiver(app, address);
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
