using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Watching;

namespace RagOperator.Router.RoutingSource;

/// <summary>
/// Loads the routing table from the ConfigMap the operator publishes (<c>&lt;collection&gt;-routing</c>, key
/// <c>routing.json</c>) through a watch restricted to that one object (field selector <c>metadata.name</c>), so a
/// new version reaches the router within the watch latency rather than the minute-plus of a mounted volume. The
/// <see cref="Watcher{T}"/> resumes a dropped stream from the last version and relists after 410 Gone, so no
/// publication is missed. A deleted ConfigMap, or one without the key, is reported and the served table stays.
/// The router's service account needs only get/list/watch on this ConfigMap.
/// </summary>
public sealed class ConfigMapRoutingSource(
    IKubernetesClient client, string @namespace, string configMapName, string key = "routing.json",
    WatcherOptions? watcherOptions = null, ILogger? logger = null) : IRoutingSource
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    public string Namespace { get; } = @namespace;

    public string ConfigMapName { get; } = configMapName;

    public async Task RunAsync(IRoutingSink sink, CancellationToken cancellationToken)
    {
        var options = (watcherOptions ?? new WatcherOptions()) with
        {
            Namespace = Namespace,
            FieldSelector = $"metadata.name={ConfigMapName}",
        };
        var watcher = new Watcher<ConfigMap>(client, options, log);
        log.LogInformation("Watching ConfigMap {Namespace}/{Name} for routing tables", Namespace, ConfigMapName);
        await foreach (var change in watcher.RunAsync(cancellationToken))
        {
            var configMap = change.Object;
            var where = $"ConfigMap {Namespace}/{configMap.Metadata.Name} (resourceVersion {configMap.Metadata.ResourceVersion})";
            if (change.Type == WatchEventType.Deleted)
            {
                sink.Problem($"{where} was deleted");
                continue;
            }

            if (configMap.Data is null || !configMap.Data.TryGetValue(key, out var document))
            {
                sink.Problem($"{where} has no data key '{key}'");
                continue;
            }

            sink.Offer(document, where);
        }
    }
}
