using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Watching;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Seams;
using RagOperator.Router;
using RagOperator.Router.RoutingSource;

namespace RagOperator.Sandbox;

/// <summary>
/// Plays the router pods: for every router pod the simulated kubelet runs, one in-process router
/// (<see cref="RouterHost"/>) configured from the pod's own environment — collection, namespace, routing ConfigMap,
/// both API keys resolved from their secretKeyRefs, and its certificate files projected from its Secret volume
/// (<see cref="SandboxPodFiles"/>) — that loads its table through the same ConfigMap watch as in
/// a cluster. It is stopped when the pod goes. Also the operator's <see cref="IRouterEndpointResolver"/>: the ready
/// router pods of a collection, at their in-process addresses (every simulated pod has the same IP, so pods are
/// told apart by name).
/// <para>Differences from a cluster: the router's readiness probe is not consulted (the simulator decides when a pod
/// is Ready, possibly before its router has started: such a pod refuses connections); a rotated Secret (API key or
/// certificate) is not projected again for a running router.</para>
/// </summary>
public sealed class SandboxRouters : IRouterEndpointResolver, IAsyncDisposable
{
    private readonly IKubernetesClient client;
    private readonly ILogger logger;
    private readonly Action<ILoggingBuilder> logging;
    private readonly ConcurrentDictionary<string, RouterHandle> routers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxPodFiles> podFiles = new(StringComparer.Ordinal);
    private readonly Channel<string> changes = Channel.CreateUnbounded<string>();
    private readonly Informer<Pod> pods;
    private readonly CancellationTokenSource stop = new();
    private readonly Task informerLoop;
    private readonly Task worker;
    private readonly Func<Uri, Uri>? shardGrpcAddress;

    /// <param name="shardGrpcAddress">Where the routers find a shard's gRPC endpoint (see <see cref="SandboxShards.GrpcAddress"/>).</param>
    public SandboxRouters(IKubernetesClient client, ILoggerFactory? loggerFactory = null, Func<Uri, Uri>? shardGrpcAddress = null)
    {
        this.client = client;
        this.shardGrpcAddress = shardGrpcAddress;
        logger = loggerFactory?.CreateLogger<SandboxRouters>() ?? NullLogger<SandboxRouters>.Instance;
        logging = builder =>
        {
            // Routers log into the sandbox's logger factory, or nowhere.
            if (loggerFactory is not null) builder.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        };
        pods = new Informer<Pod>(client, new InformerOptions { LabelSelector = $"{Labels.Name}={Labels.RouterName}" });
        pods.AddEventHandler(
            onAdd: pod => changes.Writer.TryWrite(ObjectKey.Of(pod)),
            onUpdate: (_, pod) => changes.Writer.TryWrite(ObjectKey.Of(pod)),
            onDelete: pod => changes.Writer.TryWrite(ObjectKey.Of(pod)));
        informerLoop = pods.RunAsync(stop.Token);
        worker = Task.Run(() => WorkAsync(stop.Token));
    }

    /// <summary>The running routers by <c>namespace/pod</c>.</summary>
    public IReadOnlyDictionary<string, RouterHandle> Routers => routers;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => pods.WaitForSyncAsync(cancellationToken);

    /// <summary>The running routers of a collection.</summary>
    public IReadOnlyList<RouterHandle> Of(string @namespace, string collection) =>
        pods.List(@namespace)
            .Where(p => CollectionOf(p) == collection)
            .Select(p => routers.GetValueOrDefault(ObjectKey.Of(p)))
            .OfType<RouterHandle>()
            .ToList();

    /// <summary>
    /// Where the running routers of a collection serve, by pod: the REST address (the <c>/v1</c> API and Qdrant's REST
    /// API) and the gRPC address (Qdrant's gRPC API), as a client outside the cluster would reach them through the
    /// router Service's <c>http</c> and <c>grpc</c> ports. Ordered by pod name, so callers pick the same router each time.
    /// </summary>
    public IReadOnlyList<SandboxRouterEndpoint> EndpointsOf(string @namespace, string collection) =>
        pods.List(@namespace)
            .Where(p => CollectionOf(p) == collection)
            .Select(p => routers.TryGetValue(ObjectKey.Of(p), out var router) ? new SandboxRouterEndpoint(p.Metadata.Name!, router.BaseUri, router.GrpcUri) : null)
            .OfType<SandboxRouterEndpoint>()
            .OrderBy(e => e.Pod, StringComparer.Ordinal)
            .ToList();

    public Task<IReadOnlyList<RouterEndpoint>> ResolveAsync(string @namespace, string collection, bool tls, CancellationToken cancellationToken)
    {
        IReadOnlyList<RouterEndpoint> ready = pods.List(@namespace)
            .Where(p => CollectionOf(p) == collection && PodRouterEndpointResolver.IsReady(p))
            .Select(p => new RouterEndpoint(p.Metadata.Name!, routers.TryGetValue(ObjectKey.Of(p), out var router) ? router.BaseUri : NotListening))
            .ToList();
        return Task.FromResult(ready);
    }

    /// <summary>
    /// Where a ready pod whose in-process router has not started yet is reached: a port nothing listens on, so the
    /// operator gets "connection refused" from it, as from a pod whose process is not listening yet. Leaving such a
    /// pod out instead would let the operator count the routers that answered as all of them.
    /// </summary>
    private static readonly Uri NotListening = new("http://127.0.0.1:1/");

    private static string? CollectionOf(Pod pod) =>
        pod.Metadata.Labels is { } labels && labels.TryGetValue(Labels.Collection, out var collection) ? collection : null;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        changes.Writer.TryComplete();
        await StoppedTasks.WaitAsync(informerLoop, worker);

        foreach (var router in routers.Values) await router.DisposeAsync();
        routers.Clear();
        foreach (var files in podFiles.Values) files.Dispose();
        podFiles.Clear();
        stop.Dispose();
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var key in changes.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await ConvergeAsync(key, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Sandbox router {Key}: {Error}; retrying", key, e.Message);
                _ = RetryLaterAsync(key, cancellationToken);
            }
        }
    }

    private async Task RetryLaterAsync(string key, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        changes.Writer.TryWrite(key);
    }

    private async Task ConvergeAsync(string key, CancellationToken cancellationToken)
    {
        var pod = pods.Get(key);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase is not "Running")
        {
            if ((pod is null || pod.Metadata.DeletionTimestamp is not null) && routers.TryRemove(key, out var gone))
            {
                await gone.DisposeAsync();
                logger.LogInformation("Sandbox stopped router {Key}", key);
            }

            if ((pod is null || pod.Metadata.DeletionTimestamp is not null) && podFiles.TryRemove(key, out var files)) files.Dispose();

            return;
        }

        if (routers.ContainsKey(key)) return;
        if (!podFiles.TryGetValue(key, out var mounted))
        {
            mounted = await SandboxPodFiles.ProjectAsync(client, pod.Metadata.Namespace!, pod.Spec, pod.Spec.Containers.First(), cancellationToken);
            podFiles[key] = mounted;
        }

        var options = await OptionsAsync(pod, mounted, cancellationToken);
        var source = new ConfigMapRoutingSource(client, options.Namespace, options.ConfigMapName, options.RoutingConfigMapKey);
        var router = await RouterHost.StartAsync(options, source, logging: logging, cancellationToken: cancellationToken);
        routers[key] = router;
        logger.LogInformation("Sandbox started router {Key} at {Uri} (gRPC {GrpcUri})", key, router.BaseUri, router.GrpcUri);
    }

    /// <summary>The router's settings as its container would read them from its environment.</summary>
    private async Task<RouterOptions> OptionsAsync(Pod pod, SandboxPodFiles files, CancellationToken cancellationToken)
    {
        var container = pod.Spec.Containers.First();
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var env in container.Env ?? [])
        {
            // Paths into the pod's Secret volumes (its certificate files) name the projected files here.
            values[env.Name] = files.Translate(env.Value)
                ?? (env.ValueFrom?.FieldRef?.FieldPath switch
                {
                    "metadata.name" => pod.Metadata.Name,
                    "metadata.namespace" => pod.Metadata.Namespace,
                    "status.podIP" => pod.Status?.PodIP,
                    _ => null,
                })
                ?? (env.ValueFrom?.SecretKeyRef is { } reference ? await SecretAsync(pod.Metadata.Namespace!, reference, cancellationToken) : null);
        }

        var (options, _) = RouterOptionsLoader.Load([], name => values.GetValueOrDefault(name));
        return options with { ShardGrpcAddress = shardGrpcAddress };
    }

    private async Task<string> SecretAsync(string @namespace, SecretKeySelector reference, CancellationToken cancellationToken)
    {
        var secret = await client.GetAsync<Secret>(reference.Name, @namespace, cancellationToken);
        return secret.Data?.TryGetValue(reference.Key, out var value) == true
            ? Encoding.UTF8.GetString(value)
            : throw new InvalidOperationException($"Secret {reference.Name} has no key {reference.Key}");
    }
}

/// <summary>A running in-process router of a pod: its REST address and its gRPC address (Qdrant's gRPC API).</summary>
public sealed record SandboxRouterEndpoint(string Pod, Uri Rest, Uri Grpc);

/// <summary>Hands an application's loggers to an existing logger factory.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

    public void Dispose()
    {
        // The factory belongs to the caller.
    }
}
