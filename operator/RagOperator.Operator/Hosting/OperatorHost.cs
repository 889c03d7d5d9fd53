using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Events;
using RagOperator.Kubernetes.LeaderElection;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using Prometheus;
using RagOperator.Observability.Metrics;
using RagOperator.Observability.Tracing;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Migration;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Seams;
using RagOperator.Operator.Snapshots;

namespace RagOperator.Operator.Hosting;

/// <summary>
/// The operator process, startable in-process: informers (per watched namespace for namespaced kinds, shared for
/// nodes and node pools), the VectorCollection and VectorNodePool controllers, leader election, events, and the
/// metrics (<c>/metrics</c>) and health (<c>/healthz</c>, <c>/readyz</c>) servers. <see cref="Completion"/> ends when
/// the host is stopped or — with leader election — loses leadership (the process should then exit).
/// </summary>
public sealed class OperatorHost : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly List<WebApplication> servers = [];
    private readonly List<IInformer> informers = [];
    private readonly List<IDisposable> owned = [];
    private int disposed;

    private OperatorHost(
        OperatorServices services, ControllerManager manager, VectorCollectionReconciler reconciler, SnapshotServices snapshots, CollectorRegistry metricsRegistry)
    {
        MetricsRegistry = metricsRegistry;
        Services = services;
        Manager = manager;
        Reconciler = reconciler;
        Snapshots = snapshots;
    }

    /// <summary>The registry this operator's metrics are on, and that <c>/metrics</c> serves.</summary>
    public CollectorRegistry MetricsRegistry { get; }

    public OperatorServices Services { get; }

    public ControllerManager Manager { get; }

    public VectorCollectionReconciler Reconciler { get; }

    /// <summary>The collaborators of the snapshot, restore and schedule controllers.</summary>
    public SnapshotServices Snapshots { get; }

    /// <summary>The schedule reconciler of the first watch scope (tests drive it with a manual clock).</summary>
    public SnapshotScheduleReconciler? SnapshotScheduler { get; private set; }

    public Uri? MetricsUri { get; private set; }

    public Uri? HealthUri { get; private set; }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public static async Task<OperatorHost> StartAsync(
        OperatorHostOptions options, IKubernetesClient client, OperatorSeams? seams = null, ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ApiRegistration.Register();
        seams ??= new OperatorSeams();
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("RagOperator.Operator");
        var time = seams.Time ?? TimeProvider.System;
        var view = new InformerClusterView();
        var owned = new List<IDisposable>();
        var registry = options.MetricsRegistry ?? Prometheus.Metrics.NewCustomRegistry();
        var metricFactory = Prometheus.Metrics.WithCustomRegistry(registry);
        var controllerMetrics = new ControllerMetrics(registry);
        owned.Add(new QdrantClientMeterBridge(metricFactory));

        var qdrant = seams.Qdrant;
        if (qdrant is null)
        {
            var factory = new CachingQdrantClientFactory();
            owned.Add(factory);
            qdrant = factory;
        }

        var routerAcks = seams.RouterAcks;
        if (routerAcks is null)
        {
            var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            owned.Add(http);
            var acks = new HttpRouterAcks(seams.RouterEndpoints ?? new PodRouterEndpointResolver(client), http);
            owned.Add(acks);
            routerAcks = acks;
        }

        var events = seams.Events;
        if (events is null)
        {
            var recorder = new EventRecorder(client, new EventRecorderOptions
            {
                ReportingController = KubernetesEventSink.ReportingController,
                ReportingInstance = options.PodName,
                TimeProvider = time,
            }, logger);
            owned.Add(recorder);
            events = new KubernetesEventSink(recorder);
        }

        var services = new OperatorServices(
            client, view, Settings(options),
            seams.ShardEndpoints ?? new DefaultShardEndpointResolver(), qdrant, routerAcks,
            events, time);
        var reconciler = new VectorCollectionReconciler(
            services, loggerFactory.CreateLogger<VectorCollectionReconciler>(),
            seams.Migration ?? new StreamMigrationStep(metrics: new MigrationMetrics(metricFactory)),
            new OperatorMetrics(metricFactory), options.HealthyResync);

        LeaderElector? elector = null;
        if (options.LeaderElect)
        {
            elector = new LeaderElector(client, new LeaderElectionOptions
            {
                LeaseDuration = options.LeaseTiming.LeaseDuration,
                RenewDeadline = options.LeaseTiming.RenewDeadline,
                RetryPeriod = options.LeaseTiming.RetryPeriod,
                LeaseName = options.LeaseName,
                Namespace = options.PodNamespace,
                Identity = options.PodName,
                TimeProvider = time,
                Metrics = controllerMetrics,
            }, loggerFactory.CreateLogger<LeaderElector>());
            owned.Add(elector);
        }

        var snapshotHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        owned.Add(snapshotHttp);
        var snapshots = new SnapshotServices(
            client, view, seams.SnapshotStores ?? new SnapshotStoreFactory(client, snapshotHttp, options.SnapshotVolumeRoot, time), qdrant,
            seams.SnapshotPeers ?? new PodZeroSnapshotPeerResolver(), events, seams.SnapshotSettings, seams.SnapshotTime ?? time);

        var manager = new ControllerManager(loggerFactory, elector);
        var host = new OperatorHost(services, manager, reconciler, snapshots, registry);
        host.owned.AddRange(owned);
        host.Wire(options, client, view, reconciler, loggerFactory, time, controllerMetrics);
        await host.StartServersAsync(options, cancellationToken);
        host.Completion = Task.Run(() => manager.RunAsync(host.stop.Token), CancellationToken.None);
        return host;
    }

    private static OperatorSettings Settings(OperatorHostOptions options)
    {
        var settings = new OperatorSettings { RouterImage = options.RouterImage, RolloutPodTimeout = options.RolloutPodTimeout, OperatorNamespace = options.PodNamespace };
        return options.BlockedRecheck is { } recheck ? settings with { BlockedRecheck = recheck } : settings;
    }

    /// <summary>Waits until every informer has listed its kind (the first reconciles run right after).</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cancellationToken)));

    public async ValueTask DisposeAsync()
    {
        // The run command stops the host itself (to log when draining is done) and disposes it again on every path.
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        await stop.CancelAsync();
        try
        {
            await Completion;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        foreach (var server in servers)
        {
            await server.StopAsync();
            await server.DisposeAsync();
        }

        foreach (var disposable in owned) disposable.Dispose();
        stop.Dispose();
    }

    private void Wire(OperatorHostOptions options, IKubernetesClient client, InformerClusterView view, VectorCollectionReconciler reconciler,
        ILoggerFactory loggerFactory, TimeProvider time, ControllerMetrics metrics)
    {
        var informerLogger = loggerFactory.CreateLogger("RagOperator.Informer");
        Informer<T> Informer<T>(string? @namespace, string? labelSelector = null)
            where T : class, IKubernetesObject
        {
            var informer = new Informer<T>(client, new InformerOptions { Namespace = @namespace, LabelSelector = labelSelector }, informerLogger);
            view.Add(informer, @namespace);
            informers.Add(informer);
            return informer;
        }

        var pools = Informer<VectorNodePool>(null);
        var nodes = Informer<Node>(null);
        var controllerOptions = new ControllerOptions { Workers = options.Workers, TimeProvider = time, Metrics = metrics };
        var scopes = options.WatchNamespaces.Count == 0 ? [null] : options.WatchNamespaces.Select(n => (string?)n).ToList();
        var collectionInformers = new List<Informer<VectorCollection>>();
        foreach (var scope in scopes)
        {
            var collections = Informer<VectorCollection>(scope);
            collectionInformers.Add(collections);
            var managed = Labels.ManagedSelector;
            var controller = new Controller<VectorCollection>(scope is null ? "vectorcollection" : $"vectorcollection-{scope}", collections, reconciler,
                    controllerOptions, loggerFactory.CreateLogger("RagOperator.Controller.VectorCollection"))
                .Owns(Informer<StatefulSet>(scope, managed))
                .Owns(Informer<Deployment>(scope, managed))
                .Owns(Informer<ConfigMap>(scope, managed))
                .Owns(Informer<Service>(scope, managed))
                .Owns(Informer<PodDisruptionBudget>(scope, managed))
                .Owns(Informer<HorizontalPodAutoscaler>(scope, managed))
                .Owns(Informer<NetworkPolicy>(scope, managed))
                .Owns(Informer<ServiceAccount>(scope, managed))
                .Owns(Informer<Role>(scope, managed))
                .Owns(Informer<RoleBinding>(scope, managed))
                // Shard pods are owned by their StatefulSet, not the collection: map them through their collection label.
                // Replica placement and rolling upgrades act on pod readiness.
                .Watches(Informer<Pod>(scope, $"{managed},{Labels.Component}={Labels.ShardComponent}"), PodCollection)
                .Watches(pools, pool => CollectionsUsing(collections, pool.Metadata.Name))
                .Watches(nodes, _ => collections.List().Where(c => c.Spec.NodePoolRef is not null).Select(Request));
            Manager.AddController(controller);
            var scheduler = SnapshotControllers.Add(Manager, Snapshots, Services.Status, scope, collections,
                Informer<VectorSnapshot>(scope), Informer<VectorRestore>(scope), controllerOptions, loggerFactory);
            SnapshotScheduler ??= scheduler;
        }

        var poolController = new Controller<VectorNodePool>("vectornodepool", pools,
                new VectorNodePoolReconciler(view, Services.Status, time), controllerOptions, loggerFactory.CreateLogger("RagOperator.Controller.VectorNodePool"))
            .Watches(nodes, _ => pools.List().Select(p => new ReconcileRequest(null, p.Metadata.Name!)));
        foreach (var collections in collectionInformers)
        {
            poolController.Watches(collections, c => c.Spec.NodePoolRef is { } reference ? [new ReconcileRequest(null, reference.Name)] : []);
        }

        Manager.AddController(poolController);
    }

    private static IEnumerable<ReconcileRequest> CollectionsUsing(Informer<VectorCollection> collections, string? pool) =>
        collections.List().Where(c => c.Spec.NodePoolRef?.Name == pool).Select(Request);

    private static IEnumerable<ReconcileRequest> PodCollection(Pod pod) =>
        pod.Metadata.Labels?.TryGetValue(Labels.Collection, out var collection) == true
            ? [new ReconcileRequest(pod.Metadata.Namespace, collection)]
            : [];

    private static ReconcileRequest Request(VectorCollection collection) => new(collection.Metadata.Namespace, collection.Metadata.Name!);

    private async Task StartServersAsync(OperatorHostOptions options, CancellationToken cancellationToken)
    {
        if (options.MetricsPort is { } metricsPort)
        {
            var app = Server(options.BindAddress, metricsPort, services =>
            {
                services.AddRagMetrics(MetricsRegistry);
                services.AddRagTracing("rag-operator", options.OtlpEndpoint);
            });
            app.MapRagMetrics();
            MetricsUri = await StartAsync(app, cancellationToken);
        }

        if (options.HealthPort is { } healthPort)
        {
            var app = Server(options.BindAddress, healthPort, _ => { });
            app.MapKubernetesHealth(Manager);
            HealthUri = await StartAsync(app, cancellationToken);
        }
    }

    private static WebApplication Server(string address, int port, Action<IServiceCollection> configure)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Parse(address), port));
        // The default ConsoleLifetime would take SIGTERM/SIGINT for itself (cancelling the process's termination and
        // stopping only a lifetime nobody waits on); signals belong to whoever owns the process.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        // A scrape still open must not hold up the stop: the operator has to exit within the pod's grace period.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        configure(builder.Services);
        return builder.Build();
    }

    /// <summary>A host lifetime that neither waits for nor reacts to anything: the host is started and stopped by its owner.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private async Task<Uri> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        servers.Add(app);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }
}
