using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Api.Schema;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Hosting;
using RagOperator.Operator.Migration;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Operator.Seams;
using RagOperator.Qdrant;
using RagOperator.Routing;

namespace RagOperator.Operator.Tests.Migration;

/// <summary>
/// The migration step on its own, against an in-process API server (real REST, CRDs from the C# types, informers
/// for the cluster view) and in-process Qdrant shards, with fakes for what the rest of the reconcile chain and the
/// routers would provide: <see cref="Routers"/> answers the acknowledgement poll (by default every router serves
/// whatever the routing ConfigMap holds; <see cref="FakeRouterAcks.HoldAt"/> makes them lag), and every shard up to
/// max(spec.shards, table shards) reports ready (unless listed in <see cref="NotReady"/>) with its collection. <see cref="ReconcileAsync"/> builds a fresh
/// reconcile context the way the reconciler does and runs the step once.
/// </summary>
internal sealed class StepHarness : IAsyncDisposable
{
    public const string Namespace = "search";
    public const string Name = QdrantShards.Collection;
    public const int Slots = 64;

    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> informerRuns = [];

    private StepHarness(InProcessKubernetesApiServer api, KubernetesClient client, QdrantShards shards, InformerClusterView view)
    {
        Api = api;
        Client = client;
        Shards = shards;
        View = view;
        Routers = new FakeRouterAcks(client);
        Qdrant = new HookingQdrantFactory(shards.GrpcAddress);
        Services = new OperatorServices(client, view, new OperatorSettings(), new ShardEndpoints(shards), Qdrant, Routers, Events);
    }

    public InProcessKubernetesApiServer Api { get; }

    public KubernetesClient Client { get; }

    public QdrantShards Shards { get; }

    public InformerClusterView View { get; }

    public FakeRouterAcks Routers { get; }

    public RecordingEvents Events { get; } = new();

    /// <summary>The operator's Qdrant clients, each wrapped so tests can count what the migration wrote to a shard.</summary>
    public HookingQdrantFactory Qdrant { get; }

    public OperatorServices Services { get; }

    /// <summary>Shards the (simulated) earlier steps of the chain report as not ready (pods starting).</summary>
    public HashSet<int> NotReady { get; } = [];

    public static async Task<StepHarness> StartAsync(int shards, int qdrantServers = 4, Action<VectorCollectionSpec>? configure = null)
    {
        ApiRegistration.Register();
        var api = await InProcessKubernetesApiServer.StartAsync();
        foreach (var (_, yaml) in CrdGenerator.GenerateAll()) api.RegisterCustomResourceDefinitions(yaml);
        api.Seed("namespaces", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = Namespace } });
        var client = new KubernetesClient(KubernetesClientConfiguration.ForServer(api.BaseUri, Namespace));
        var view = new InformerClusterView();
        var harness = new StepHarness(api, client, await QdrantShards.StartAsync(qdrantServers), view);
        harness.Watch<ConfigMap>();
        harness.Watch<StatefulSet>();
        harness.Watch<Service>();
        harness.Watch<PodDisruptionBudget>();
        await Task.WhenAll(harness.informers.Select(i => i.WaitForSyncAsync(CancellationToken.None)));

        var spec = new VectorCollectionSpec { Dimension = QdrantShards.Dimension, Distance = RagOperator.Api.V1Alpha1.Distance.Dot, Shards = shards };
        spec.Sharding.Slots = Slots;
        spec.Rebalance.BatchSize = 8;
        configure?.Invoke(spec);
        await client.CreateAsync(new VectorCollection { Metadata = new ObjectMeta { Name = Name, Namespace = Namespace }, Spec = spec });
        var context = await harness.ContextAsync();
        await RoutingTableStep.PublishAsync(context, RoutingTables.Initial(context.Input, 1, i => context.Services.ShardEndpoints.Endpoint(Namespace, Name, i, context.Tls)),
            "initial table", CancellationToken.None);
        await harness.WaitForCacheAsync(1);
        return harness;
    }

    private readonly List<IInformer> informers = [];

    private void Watch<T>()
        where T : class, IKubernetesObject
    {
        var informer = new Informer<T>(Client, new InformerOptions { Namespace = Namespace });
        View.Add(informer, Namespace);
        informers.Add(informer);
        informerRuns.Add(Task.Run(() => informer.RunAsync(stop.Token)));
    }

    /// <summary>A context as the reconciler builds it before the migration step: cached table, shards observed ready.</summary>
    public async Task<ReconcileContext> ContextAsync()
    {
        var collection = await Client.GetAsync<VectorCollection>(Name, Namespace);
        var context = new ReconcileContext(collection, Services, "test", NullLogger.Instance);
        context.Table = ObserveRoutingStep.Read(context);
        for (var i = 0; i < context.ShardCount; i++)
        {
            var ready = !NotReady.Contains(i);
            context.Facts.Shards.Add(new ShardState(i, ChildNames.Shard(Name, i)) { Exists = true, WorkloadReady = ready, CollectionCreated = ready, Points = 0 });
        }

        return context;
    }

    /// <summary>One reconcile of the migration step; returns its result and the context it ran in.</summary>
    public async Task<(StepResult Result, ReconcileContext Context)> ReconcileAsync(IMigrationStep step)
    {
        var context = await ContextAsync();
        var result = await step.RunAsync(context, CancellationToken.None);
        return (result, context);
    }

    /// <summary>Reconciles until <paramref name="until"/> holds for status.migration (bounded), returning the last context.</summary>
    public async Task<ReconcileContext> RunUntilAsync(IMigrationStep step, Func<MigrationStatus, bool> until, int maxReconciles = 400)
    {
        for (var i = 0; i < maxReconciles; i++)
        {
            var (_, context) = await ReconcileAsync(step);
            if (context.Collection.Status?.Migration is { } migration && until(migration)) return context;
        }

        var last = (await Client.GetAsync<VectorCollection>(Name, Namespace)).Status?.Migration;
        throw new TimeoutException($"the migration did not get there in {maxReconciles} reconciles; it is {last?.Phase}: {last?.Message} {last?.LastError}");
    }

    public async Task<MigrationStatus?> MigrationAsync() => (await Client.GetAsync<VectorCollection>(Name, Namespace)).Status?.Migration;

    public async Task<RoutingTable> PublishedAsync()
    {
        var map = await Client.GetAsync<ConfigMap>(ChildNames.RoutingConfigMap(Name), Namespace);
        return RoutingTable.Parse(map.Data![ChildNames.RoutingKey]);
    }

    public async Task SetShardsAsync(int shards)
    {
        var collection = await Client.GetAsync<VectorCollection>(Name, Namespace);
        collection.Spec.Shards = shards;
        await Client.UpdateAsync(collection);
    }

    public async Task AnnotateAsync(string key, string value)
    {
        var collection = await Client.GetAsync<VectorCollection>(Name, Namespace);
        collection.Metadata.Annotations = new Dictionary<string, string>(collection.Metadata.Annotations ?? new Dictionary<string, string>()) { [key] = value };
        await Client.UpdateAsync(collection);
    }

    /// <summary>Writes points as the router would under the published table: stamped, on the owner of their cell.</summary>
    public async Task LoadAsync(IEnumerable<ulong> ids, long version = 1000)
    {
        var table = await PublishedAsync();
        foreach (var group in ids.GroupBy(id => table.NewOwner(table.CellOf(PointKey.FromUlong(id)))))
        {
            await Shards.WriteAsync(group.Key, [.. group.Select(id => QdrantShards.Point(id, table.CellOf(PointKey.FromUlong(id)), version + (long)id, (long)id))]);
        }
    }

    /// <summary>Every point on every shard: id → shards holding it.</summary>
    public async Task<Dictionary<ulong, List<int>>> LocateAsync(int shards)
    {
        var found = new Dictionary<ulong, List<int>>();
        for (var shard = 0; shard < shards; shard++)
        {
            foreach (var id in (await Shards.ReadAsync(shard)).Keys)
            {
                if (!found.TryGetValue(id, out var list)) found[id] = list = [];
                list.Add(shard);
            }
        }

        return found;
    }

    /// <summary>Creates the shard's StatefulSet, Services and PDB the way the reconciler would.</summary>
    public async Task CreateShardObjectsAsync(int shard)
    {
        var context = await ContextAsync();
        foreach (var child in CollectionChildren.Shard(context.Input, shard)) await ShardWorkloadsStep.ApplyAsync(context, child, CancellationToken.None);
    }

    public async Task WaitForCacheAsync(long version)
    {
        for (var i = 0; i < 200; i++)
        {
            var context = await ContextAsync();
            if (context.Table?.Version >= version) return;
            await Task.Delay(10);
        }

        throw new TimeoutException($"the informer never saw routing table v{version}");
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(informerRuns);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        Qdrant.Dispose();
        Client.Dispose();
        await Shards.DisposeAsync();
        await Api.DisposeAsync();
        stop.Dispose();
    }

    /// <summary>The hooked client the operator uses for a shard.</summary>
    public HookedQdrantClient OperatorClient(int shard) => Qdrant.For(Shards.Servers[shard].BaseUri);

    private sealed class ShardEndpoints(QdrantShards shards) : IShardEndpointResolver
    {
        public Uri Resolve(string @namespace, string collection, int shard, bool tls) => shards.Servers[shard].BaseUri;
    }
}

/// <summary>
/// Routers as the acknowledgement poll sees them: by default each serves the routing ConfigMap's current version;
/// <see cref="HoldAt"/> keeps them at a version (a router that has not switched yet).
/// </summary>
internal sealed class FakeRouterAcks(IKubernetesClient client) : IRouterAcks
{
    public long? HoldAt { get; set; }

    public int Queries;

    public async Task<RouterAcknowledgements> QueryAsync(string @namespace, string collection, string? routerApiKey, Qdrant.Tls.TrustBundle? trust, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Queries);
        var map = await client.GetAsync<ConfigMap>(ChildNames.RoutingConfigMap(collection), @namespace, cancellationToken);
        var current = RoutingTable.Parse(map.Data![ChildNames.RoutingKey]).Version;
        var served = HoldAt is { } hold ? Math.Min(hold, current) : current;
        return new RouterAcknowledgements([new RouterAck("router-0", served, null), new RouterAck("router-1", served, null)]);
    }
}

/// <summary>Real clients (the operator's default options) wrapped in <see cref="HookedQdrantClient"/>, one per endpoint.</summary>
internal sealed class HookingQdrantFactory(Func<Uri, Uri> grpcAddress) : Seams.IQdrantClientFactory, IDisposable
{
    private readonly CachingQdrantClientFactory inner = new(grpcAddress: grpcAddress);
    private readonly ConcurrentDictionary<string, HookedQdrantClient> clients = new(StringComparer.Ordinal);

    public IQdrantClient Get(Uri endpoint, string? apiKey, Qdrant.Tls.TrustBundle? trust) => clients.GetOrAdd(endpoint.AbsoluteUri, _ => new HookedQdrantClient(inner.Get(endpoint, apiKey, trust)));

    public HookedQdrantClient For(Uri endpoint) => (HookedQdrantClient)Get(endpoint, null, null);

    public void Dispose() => inner.Dispose();
}

/// <summary>Events as (type, reason, note).</summary>
internal sealed class RecordingEvents : IEventSink
{
    public ConcurrentQueue<(string Type, string Reason, string Note)> All { get; } = new();

    public Task PublishAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken)
    {
        All.Enqueue((type, reason, note));
        return Task.CompletedTask;
    }
}
