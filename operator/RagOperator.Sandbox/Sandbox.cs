using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Api.Schema;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Kubernetes;
using RagOperator.InProcess.Qdrant;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Hosting;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;
using RagOperator.Operator.Rendering;
using RagOperator.Operator.Seams;
using RagOperator.Operator.Snapshots;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Tls;
using RagOperator.Router;

namespace RagOperator.Sandbox;

/// <summary>
/// The whole product on loopback: an in-process Kubernetes API server with the generated CRDs, the workload
/// simulator (StatefulSet/Deployment controllers, scheduler, kubelet), one in-process Qdrant server per shard
/// StatefulSet, the operator talking to the API server through the real <see cref="KubernetesClient"/> over HTTP,
/// and one in-process router per router pod. Used by the integration tests, <c>make demo</c> and benchmarks.
/// <code>
/// await using var sandbox = await Sandbox.StartAsync();
/// await sandbox.ApplyYamlAsync(File.ReadAllText("config/samples/ragoperator_v1alpha1_vectorcollection.yaml"));
/// var ready = await sandbox.WaitForConditionAsync("docs", "Ready");
/// </code>
/// </summary>
public sealed class Sandbox : IAsyncDisposable
{
    public const string FieldManager = "sandbox";

    private readonly SandboxOptions options;
    private readonly ILoggerFactory loggerFactory;

    private Sandbox(SandboxOptions options, InProcessKubernetesApiServer apiServer, WorkloadSimulator simulator, KubernetesClient client,
        SandboxShards shards, SandboxRouters? routers, SandboxCertManager? certManager)
    {
        CertManager = certManager;
        this.options = options;
        loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        ApiServer = apiServer;
        Simulator = simulator;
        Client = client;
        Shards = shards;
        Routers = routers;
    }

    public InProcessKubernetesApiServer ApiServer { get; }

    public WorkloadSimulator Simulator { get; }

    /// <summary>A client of the API server (the operator has its own, like a separate process).</summary>
    public KubernetesClient Client { get; }

    public SandboxShards Shards { get; }

    /// <summary>Null unless <see cref="SandboxOptions.CertManager"/> is set.</summary>
    public SandboxCertManager? CertManager { get; }

    /// <summary>Null when <see cref="SandboxOptions.StartRouters"/> is false.</summary>
    public SandboxRouters? Routers { get; }

    /// <summary>The running operator, or null while stopped.</summary>
    public OperatorHost? Operator { get; private set; }

    public string Namespace => options.Namespace;

    /// <summary>Where snapshot PVCs are mounted for the operator (see <see cref="MountSnapshotVolume"/>).</summary>
    public string SnapshotVolumeRoot => snapshotVolumeRoot ??= options.SnapshotVolumeRoot
        ?? Directory.CreateTempSubdirectory("rag-sandbox-snapshots-").FullName;

    private string? snapshotVolumeRoot;

    /// <summary>
    /// Plays the chart's <c>snapshots.volumes</c>: the claim's directory appears under <see cref="SnapshotVolumeRoot"/>,
    /// as the volume would be mounted into the operator pod. Returns the directory.
    /// </summary>
    public string MountSnapshotVolume(string claimName) => Directory.CreateDirectory(Path.Combine(SnapshotVolumeRoot, claimName)).FullName;

    public static async Task<Sandbox> StartAsync(SandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxOptions();
        ReserveThreads();
        ApiRegistration.Register();
        var apiServer = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions(), cancellationToken);
        foreach (var (_, yaml) in CrdGenerator.GenerateAll()) apiServer.RegisterCustomResourceDefinitions(yaml);
        foreach (var node in options.Nodes) apiServer.Seed("nodes", NodeJson(node));
        if (options.Namespace != "default") apiServer.Seed("namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = options.Namespace } });

        var simulator = WorkloadSimulator.Start(apiServer, options.Simulator);
        var client = new KubernetesClient(KubernetesClientConfiguration.ForServer(apiServer.BaseUri, options.Namespace));
        var shared = options.SharedQdrant ? await InProcessQdrantServer.StartAsync(cancellationToken: cancellationToken) : null;
        var shards = new SandboxShards(client, options.LoggerFactory?.CreateLogger<SandboxShards>(), shared);
        var routers = options.StartRouters ? new SandboxRouters(client, options.LoggerFactory, shards.GrpcAddress) : null;
        var certManager = options.CertManager
            ? await SandboxCertManager.StartAsync(apiServer, client, options.LoggerFactory?.CreateLogger<SandboxCertManager>(), cancellationToken)
            : null;
        var sandbox = new Sandbox(options, apiServer, simulator, client, shards, routers, certManager);
        await shards.WaitForSyncAsync(cancellationToken);
        if (routers is not null) await routers.WaitForSyncAsync(cancellationToken);
        if (options.StartOperator) await sandbox.StartOperatorAsync(cancellationToken);
        return sandbox;
    }

    /// <summary>Starts the operator (its own client, informers and fresh migration step, like a new process).</summary>
    public async Task StartOperatorAsync(CancellationToken cancellationToken = default)
    {
        if (Operator is not null) throw new InvalidOperationException("the operator is already running");
        // Each start gets a fresh registry, as a new process would, unless the caller shares one across restarts.
        var metrics = options.OperatorMetrics ?? Prometheus.Metrics.NewCustomRegistry();
        var operatorClient = new KubernetesClient(
            KubernetesClientConfiguration.ForServer(ApiServer.BaseUri, options.Namespace),
            new KubernetesClientOptions { Metrics = new KubernetesClientMetrics(Prometheus.Metrics.WithCustomRegistry(metrics)) });
        var host = await OperatorHost.StartAsync(
            new OperatorHostOptions
            {
                MetricsRegistry = metrics,
                MetricsPort = 0,
                HealthPort = 0,
                BindAddress = "127.0.0.1",
                LeaderElect = options.LeaderElect,
                PodName = $"rag-operator-{Guid.NewGuid():N}"[..20],
                PodNamespace = options.Namespace,
                Workers = options.OperatorWorkers,
                HealthyResync = options.HealthyResync,
                BlockedRecheck = options.BlockedRecheck,
                WatchNamespaces = options.WatchNamespaces,
                RouterImage = options.RouterImage,
                SnapshotVolumeRoot = SnapshotVolumeRoot,
            },
            operatorClient,
            new OperatorSeams
            {
                ShardEndpoints = Shards,
                RouterEndpoints = options.RouterEndpoints ?? Routers,
                Migration = options.Migration?.Invoke(),

                // The operator's own connections to the shards, so that killing it cuts them (see KillOperatorAsync).
                Qdrant = operatorQdrant = new CachingQdrantClientFactory(grpcAddress: Shards.GrpcAddress),

                // One server stands for every pod of a shard, so the snapshot peer is the shard's endpoint.
                SnapshotPeers = new DelegateSnapshotPeerResolver(Shards.Resolve),
                SnapshotTime = options.SnapshotTime,
                SnapshotSettings = options.SnapshotSettings ?? new SnapshotSettings
                {
                    WaitRecheck = TimeSpan.FromMilliseconds(500),
                    RetryBase = TimeSpan.FromMilliseconds(200),
                    MaxRetryDelay = TimeSpan.FromSeconds(2),
                },
            },
            loggerFactory,
            cancellationToken);
        operatorClientHolder = operatorClient;
        Operator = host;
        await host.WaitForSyncAsync(cancellationToken);
    }

    private KubernetesClient? operatorClientHolder;
    private CachingQdrantClientFactory? operatorQdrant;

    /// <summary>
    /// Stops the operator abruptly, as if its process were killed: its connections to the API server and to the
    /// shards are cut first — requests in flight fail wherever they are (a write already sent may still land, as with
    /// a real kill) and nothing more is sent — and only then is the host torn down. No reconcile finishes cleanly, no
    /// status is written on the way out; a new operator must carry on from whatever the cluster holds.
    /// </summary>
    public async Task KillOperatorAsync()
    {
        if (Operator is null) return;
        operatorClientHolder?.Dispose();
        operatorQdrant?.Dispose();
        try
        {
            await Operator.DisposeAsync();
        }
        catch (Exception e) when (e is ObjectDisposedException or HttpRequestException or OperationCanceledException)
        {
            // The host's own shutdown requests fail on the cut connections; that is what a kill looks like.
        }

        operatorClientHolder = null;
        operatorQdrant = null;
        Operator = null;
    }

    /// <summary>Stops the operator as if its process ended (in-flight reconciles are cancelled after the grace period).</summary>
    public async Task StopOperatorAsync()
    {
        if (Operator is null) return;
        await Operator.DisposeAsync();
        operatorClientHolder?.Dispose();
        operatorClientHolder = null;
        operatorQdrant?.Dispose();
        operatorQdrant = null;
        Operator = null;
    }

    public async Task RestartOperatorAsync(CancellationToken cancellationToken = default)
    {
        await StopOperatorAsync();
        await StartOperatorAsync(cancellationToken);
    }

    /// <summary>Server-side applies every document of a YAML manifest (VectorCollection, VectorNodePool, VectorSnapshot, VectorRestore, Secret, ConfigMap, Namespace, Node).</summary>
    public async Task<IReadOnlyList<IKubernetesObject>> ApplyYamlAsync(string yaml, CancellationToken cancellationToken = default)
    {
        var applied = new List<IKubernetesObject>();
        foreach (var (_, node) in YamlDocuments.Parse(yaml))
        {
            if (node is not JsonObject manifest) continue;
            var kind = manifest["kind"]?.GetValue<string>();
            applied.Add(kind switch
            {
                VectorCollection.KindName => (IKubernetesObject?)await ApplyAsync(Typed<VectorCollection>(manifest), cancellationToken),
                VectorNodePool.KindName => await ApplyAsync(Typed<VectorNodePool>(manifest), cancellationToken),
                "Secret" => await ApplyAsync(Typed<Secret>(manifest), cancellationToken),
                "ConfigMap" => await ApplyAsync(Typed<ConfigMap>(manifest), cancellationToken),
                "Namespace" => await ApplyAsync(Typed<Namespace>(manifest), cancellationToken),
                "Node" => await ApplyAsync(Typed<Node>(manifest), cancellationToken),
                VectorSnapshot.KindName => await ApplyAsync(Typed<VectorSnapshot>(manifest), cancellationToken),
                VectorRestore.KindName => await ApplyAsync(Typed<VectorRestore>(manifest), cancellationToken),
                "Kustomization" => null,
                _ => throw new NotSupportedException($"the sandbox does not apply kind {kind}"),
            } ?? throw new InvalidOperationException("nothing applied"));
        }

        return applied;
    }

    /// <summary>Server-side apply as a user would (field manager <see cref="FieldManager"/>), defaulting the namespace.</summary>
    public Task<T> ApplyAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        if (Kubernetes.Resources.ResourceTypes.For<T>().Namespaced) obj.Metadata.Namespace ??= options.Namespace;
        return Client.ApplyAsync(obj, new ApplyOptions(FieldManager, Force: true), cancellationToken);
    }

    /// <summary>Creates (or replaces) an Opaque Secret with one key.</summary>
    public Task<Secret> CreateSecretAsync(string name, string key, string value, string? @namespace = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(new Secret
        {
            Metadata = new ObjectMeta { Name = name, Namespace = @namespace ?? options.Namespace },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { [key] = System.Text.Encoding.UTF8.GetBytes(value) },
        }, cancellationToken);

    public Task<VectorCollection> GetCollectionAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default) =>
        Client.GetAsync<VectorCollection>(name, @namespace ?? options.Namespace, cancellationToken);

    /// <summary>Waits until the collection has the condition with the status (and, when given, observed the current generation).</summary>
    public Task<VectorCollection> WaitForConditionAsync(
        string name, string type, string status = "True", TimeSpan? timeout = null, string? @namespace = null, CancellationToken cancellationToken = default) =>
        WaitForCollectionAsync(name, c =>
            c.Status?.ObservedGeneration == c.Metadata.Generation
            && c.Status?.Conditions?.Any(x => x.Type == type && x.Status == status && x.ObservedGeneration == c.Metadata.Generation) == true,
            $"condition {type}={status}", timeout, @namespace, cancellationToken);

    /// <summary>Waits until <paramref name="predicate"/> holds for the collection; the timeout message shows its status.</summary>
    public async Task<VectorCollection> WaitForCollectionAsync(
        string name, Func<VectorCollection, bool> predicate, string what, TimeSpan? timeout = null, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        VectorCollection? last = null;
        try
        {
            return await WaitForAsync(async token =>
            {
                last = await Client.TryGetAsync<VectorCollection>(name, @namespace ?? options.Namespace, token);
                return last is not null && predicate(last) ? last : null;
            }, timeout ?? TimeSpan.FromSeconds(30), what, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last status of {name}: {JsonSerializer.Serialize(last?.Status, KubernetesJson.Options)}", e);
        }
    }

    /// <summary>Polls <paramref name="probe"/> (every 50 ms) until it returns a value, or throws <see cref="TimeoutException"/>.</summary>
    public static async Task<T> WaitForAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
        where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (await probe(deadline.Token) is { } value) return value;
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}");
        }
    }

    /// <summary>The Qdrant server of a shard, or null before its StatefulSet exists.</summary>
    public InProcessQdrantServer? Shard(string collection, int shard, string? @namespace = null) =>
        Shards.Server(@namespace ?? options.Namespace, collection, shard);

    /// <summary>
    /// The CAs the collection's shards and routers are verified against: the <c>ca.crt</c> of the Secret that holds
    /// them for its spec.tls.mode, as an application would mount it; null when TLS is disabled or nothing is issued yet.
    /// </summary>
    public async Task<TrustBundle?> TrustAsync(string collection, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        var found = await Client.TryGetAsync<VectorCollection>(collection, @namespace ?? options.Namespace, cancellationToken);
        return found is null ? null : await CollectionTrust.ReadAsync(Client, found, cancellationToken);
    }

    /// <summary>An HTTP client for the collection's routers that verifies them against the collection's CA (see <see cref="TrustAsync"/>).</summary>
    public async Task<HttpClient> RouterHttpClientAsync(string collection, TimeSpan timeout, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        var trust = await TrustAsync(collection, @namespace, cancellationToken);
        var handler = trust?.CreateHandler(TimeSpan.FromMinutes(5)) ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        return new HttpClient(handler) { Timeout = timeout };
    }

    /// <summary>A Qdrant client of one shard at its endpoint (https with TLS on), verifying it against the collection's CA.</summary>
    public async Task<QdrantShardClient> ShardClientAsync(
        string collection, int shard, Func<Uri, QdrantClientOptions> options, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        var trust = await TrustAsync(collection, @namespace, cancellationToken);
        var rest = Shards.Resolve(@namespace ?? this.options.Namespace, collection, shard, tls: trust is not null);
        return new QdrantShardClient(options(rest).WithGrpcAddress(Shards.GrpcAddress), trust);
    }

    /// <summary>The running in-process routers of a collection.</summary>
    public IReadOnlyList<RouterHandle> RoutersOf(string collection, string? @namespace = null) =>
        Routers?.Of(@namespace ?? options.Namespace, collection) ?? [];

    /// <summary>The REST and gRPC addresses of the collection's running routers, by pod (see <see cref="SandboxRouters.EndpointsOf"/>).</summary>
    public IReadOnlyList<SandboxRouterEndpoint> RouterEndpointsOf(string collection, string? @namespace = null) =>
        Routers?.EndpointsOf(@namespace ?? options.Namespace, collection) ?? [];

    public async ValueTask DisposeAsync()
    {
        await StopOperatorAsync();
        if (Routers is not null) await Routers.DisposeAsync();
        if (CertManager is not null) await CertManager.DisposeAsync();
        await Shards.DisposeAsync();
        await Simulator.DisposeAsync();
        Client.Dispose();
        await ApiServer.DisposeAsync();
        if (options.SnapshotVolumeRoot is null && snapshotVolumeRoot is not null && Directory.Exists(snapshotVolumeRoot))
            Directory.Delete(snapshotVolumeRoot, recursive: true);
    }

    /// <summary>
    /// The sandbox runs in one process what a cluster runs in many (API server, operator, every shard, every router),
    /// all on one thread pool whose minimum is the core count. The in-process Qdrant blocks pool threads on its
    /// collection lock while a large write or search holds it; with two cores that starved the routers and the
    /// operator for seconds (a search timed out in 1 of 5 demo runs) while the pool added threads one by one. A higher
    /// minimum gives each stand-in process the threads its own pool would have.
    /// </summary>
    private static void ReserveThreads()
    {
        const int minimum = 32;
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < minimum) ThreadPool.SetMinThreads(minimum, Math.Max(completionPorts, minimum));
    }

    private static T Typed<T>(JsonObject manifest) => manifest.Deserialize<T>(KubernetesJson.Options)!;

    private static JsonObject NodeJson(SandboxNode node)
    {
        var labels = new JsonObject();
        foreach (var (key, value) in node.Labels) labels[key] = value;
        var json = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = node.Name, ["labels"] = labels },
        };
        if (node.Taints is { Count: > 0 } taints)
            json["spec"] = new JsonObject { ["taints"] = JsonSerializer.SerializeToNode(taints, KubernetesJson.Options) };
        return json;
    }
}
