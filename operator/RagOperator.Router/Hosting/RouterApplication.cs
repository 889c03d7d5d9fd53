using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RagOperator.Observability.Metrics;
using RagOperator.Qdrant;
using RagOperator.Router.Api;
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
    public static WebApplication Build(WebApplicationBuilder builder, RouterOptions options, IRoutingSource source, IQdrantClientFactory? clients = null) =>
        Build(builder, options, _ => source, clients);

    /// <summary>Builds the router with a routing source made from the application's services (e.g. its Kubernetes client).</summary>
    public static WebApplication Build(
        WebApplicationBuilder builder, RouterOptions options, Func<IServiceProvider, IRoutingSource> source, IQdrantClientFactory? clients = null)
    {
        options.Validate();
        var tls = new RouterTlsFiles(options);
        // The slim builder leaves out https:// address support unless asked.
        if (tls.ServesHttps) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // Asked per handshake, so a renewed certificate is served without a restart.
            if (tls.ServesHttps) kestrel.ConfigureHttpsDefaults(https => https.ServerCertificateSelector = (_, _) => tls.ServerCertificate);
        });
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
        builder.Services.AddHostedService<RoutingSourceService>();

        var app = builder.Build();
        app.MapRouter();
        return app;
    }
}
