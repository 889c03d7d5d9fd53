using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagOperator.Observability.Metrics;
using RagOperator.Qdrant;
using RagOperator.Router.Api;
using RagOperator.Router.QdrantApi;
using RagOperator.Router.QdrantApi.Grpc;
using RagOperator.Router.QdrantApi.Rest;
using RagOperator.Router.RoutingSource;
using RagOperator.Router.Search;
using RagOperator.Router.Shards;
using RagOperator.Router.Telemetry;
using RagOperator.Router.Writes;
using RagOperator.Routing;

namespace RagOperator.Router;

/// <summary>Builds a router web application on a builder; shared by the container entry point and <see cref="RouterHost"/>.</summary>
public static class RouterApplication
{
    /// <summary>Builds the router with a routing source made from the application's services (e.g. its Kubernetes client).</summary>
    public static WebApplication Build(
        WebApplicationBuilder builder, RouterOptions options, RouterListen listen, Func<IServiceProvider, IRoutingSource> source,
        IQdrantClientFactory? clients = null)
    {
        options.Validate();
        var tls = new RouterTlsFiles(options);
        // The slim builder leaves out HTTPS unless asked.
        if (tls.ServesHttps) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // REST first, then gRPC: RouterHost tells the bound ports apart by this order.
            kestrel.Listen(listen.Address, listen.Port, endpoint => Serve(endpoint, tls, HttpProtocols.Http1AndHttp2));
            // gRPC without TLS is HTTP/2 with prior knowledge, which cannot share a port with HTTP/1.1.
            kestrel.Listen(listen.Address, listen.GrpcPort, endpoint => Serve(endpoint, tls, HttpProtocols.Http2));
        });
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = (int)Math.Min(options.MaxRequestBodyBytes, int.MaxValue));
        builder.Services.AddSingleton(tls);
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AllowSynchronousIO = false);
        builder.Services.AddRagMetrics();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<IRoutingSource>(source);
        builder.Services.AddSingleton(_ => new RoutingTableHolder(options.Collection, options.Namespace));
        builder.Services.AddSingleton(provider =>
        {
            var holder = provider.GetRequiredService<RoutingTableHolder>();
            return new RouterMetrics(provider.GetRequiredService<Prometheus.CollectorRegistry>(), options.Collection, () => holder.Version);
        });
        builder.Services.AddSingleton(provider => new RoutingFeed(
            provider.GetRequiredService<RoutingTableHolder>(),
            provider.GetRequiredService<RouterMetrics>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("RagOperator.Router.Routing")));
        builder.Services.AddSingleton(provider => new ShardClients(options, provider.GetRequiredService<RouterMetrics>(), clients, tls));

        builder.Services.AddSingleton(provider => new RouterRuntime(
            options,
            provider.GetRequiredService<RoutingTableHolder>(),
            provider.GetRequiredService<RoutingFeed>(),
            new RequestGate(provider.GetRequiredService<RoutingTableHolder>()),
            new RequestParser(options),
            new SearchFanOut(provider.GetRequiredService<ShardClients>(), provider.GetRequiredService<RouterMetrics>()),
            new WriteRouter(
                provider.GetRequiredService<ShardClients>(),
                new HybridLogicalClock(options.EffectiveRouterId, uncertainty: options.WriteClockUncertainty),
                provider.GetRequiredService<RouterMetrics>(),
                options.WriteTimeout),
            provider.GetRequiredService<RouterMetrics>()));
        builder.Services.AddSingleton(provider => new ShardReads(provider.GetRequiredService<ShardClients>(), provider.GetRequiredService<RouterMetrics>()));
        builder.Services.AddSingleton(provider => new QdrantReads(options, provider.GetRequiredService<ShardReads>()));
        builder.Services.AddSingleton(provider => new QdrantWrites(options, provider.GetRequiredService<RouterRuntime>().Writer));
        builder.Services.AddSingleton(provider => new QdrantCollectionView(provider.GetRequiredService<ShardReads>(), options));
        builder.Services.AddSingleton<QdrantFace>();
        builder.Services.AddHostedService<RoutingSourceService>();

        var app = builder.Build();
        app.MapRouter();
        app.MapQdrantRest();
        app.MapGrpcService<PointsGrpcService>();
        app.MapGrpcService<CollectionsGrpcService>();
        app.MapGrpcService<HealthGrpcService>();
        app.MapGrpcService<SnapshotsGrpcService>();
        return app;
    }

    private static void Serve(ListenOptions endpoint, RouterTlsFiles tls, HttpProtocols protocols)
    {
        // Without TLS there is no ALPN to agree on HTTP/2, so the REST port speaks HTTP/1.1 only.
        endpoint.Protocols = tls.ServesHttps ? protocols : protocols == HttpProtocols.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1;
        if (tls.ServesHttps)
        {
            // Asked per handshake, so a renewed certificate is served without a restart.
            endpoint.UseHttps(https => https.ServerCertificateSelector = (_, _) => tls.ServerCertificate);
        }
    }
}

/// <summary>Where a router listens: <paramref name="Port"/> for HTTP (the <c>/v1</c> API, Qdrant's REST API, probes and
/// metrics) and <paramref name="GrpcPort"/> for Qdrant's gRPC API. Port 0 picks a free port.</summary>
public sealed record RouterListen(System.Net.IPAddress Address, int Port, int GrpcPort);
