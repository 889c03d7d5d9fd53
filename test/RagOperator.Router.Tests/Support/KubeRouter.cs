using Microsoft.Extensions.Logging;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Watching;
using RagOperator.Router.RoutingSource;
using RagOperator.Routing;

namespace RagOperator.Router.Tests.Support;

/// <summary>
/// An in-process API server holding the routing ConfigMap, written by the test as the operator would, and a
/// router loading it through the real <see cref="ConfigMapRoutingSource"/> watch.
/// </summary>
internal sealed class KubeRouter : IAsyncDisposable
{
    private readonly KubernetesClient publisher;
    private readonly KubernetesClient routerKube;

    private KubeRouter(InProcessKubernetesApiServer apiServer, KubernetesClient publisher, KubernetesClient routerKube, RouterHandle handle, RouterClient client)
    {
        ApiServer = apiServer;
        this.publisher = publisher;
        this.routerKube = routerKube;
        Handle = handle;
        Client = client;
    }

    public const string ConfigMapName = "docs-routing";

    public InProcessKubernetesApiServer ApiServer { get; }

    public RouterHandle Handle { get; }

    public RouterClient Client { get; }

    public static async Task<KubeRouter> StartAsync(ShardCluster cluster, RoutingTable first)
    {
        var apiServer = await InProcessKubernetesApiServer.StartAsync();
        var publisher = new KubernetesClient(KubernetesClientConfiguration.ForServer(apiServer.BaseUri));
        await publisher.CreateAsync(new ConfigMap
        {
            Metadata = new ObjectMeta { Name = ConfigMapName, Namespace = ShardCluster.Namespace },
            Data = new Dictionary<string, string> { ["routing.json"] = first.ToJson() },
        });

        // Another ConfigMap in the namespace must not disturb the router: the watch selects its own by name.
        await publisher.CreateAsync(new ConfigMap
        {
            Metadata = new ObjectMeta { Name = "unrelated", Namespace = ShardCluster.Namespace },
            Data = new Dictionary<string, string> { ["routing.json"] = "{}" },
        });

        var routerKube = new KubernetesClient(KubernetesClientConfiguration.ForServer(apiServer.BaseUri, ShardCluster.Namespace));
        var source = new ConfigMapRoutingSource(
            routerKube, ShardCluster.Namespace, ConfigMapName,
            watcherOptions: new WatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) });
        var options = new RouterOptions { Collection = cluster.Collection, Namespace = ShardCluster.Namespace, RouterName = "router-kube-0", ShardGrpcAddress = cluster.GrpcAddress };
        var handle = await RouterHost.StartAsync(options, source, logging: logging => logging.SetMinimumLevel(LogLevel.Critical));
        await handle.WaitForVersionAsync(first.Version, TimeSpan.FromSeconds(10));
        return new KubeRouter(apiServer, publisher, routerKube, handle, new RouterClient(handle.BaseUri, cluster.Collection));
    }

    /// <summary>Replaces the routing document, as the operator publishes a new version.</summary>
    public Task PublishAsync(RoutingTable table) => PublishAsync(table.ToJson());

    public async Task PublishAsync(string document)
    {
        await KubernetesRetry.RetryOnConflictAsync(async () =>
        {
            var configMap = await publisher.GetAsync<ConfigMap>(ConfigMapName, ShardCluster.Namespace);
            configMap.Data = new Dictionary<string, string> { ["routing.json"] = document };
            await publisher.UpdateAsync(configMap);
        });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Handle.DisposeAsync();
        routerKube.Dispose();
        publisher.Dispose();
        await ApiServer.DisposeAsync();
    }
}
