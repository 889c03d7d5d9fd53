using System.Collections.Concurrent;
using RagOperator.Api.V1Alpha1;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Models;
using RagOperator.Observability.Metrics;
using RagOperator.Operator.Migration;
using RagOperator.Operator.Naming;
using RagOperator.Qdrant;
using RagOperator.Routing;
using RagOperator.Sandbox;
using RagOperator.Workload;
using MigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;
using SandboxHost = RagOperator.Sandbox.Sandbox;

namespace RagOperator.Soak;

/// <summary>
/// One collection in the Sandbox under load while its shard count changes: concurrent writers (inserts, updates,
/// deletes) and searchers through every router replica, recorded in an <see cref="AckOracle"/>; shard fault
/// injection that follows the shards as they come and go; operator kills; and, at the end, every point read straight
/// from the shards and judged by <see cref="InvariantReport.Check"/>. Sizes are small so that a run takes seconds.
/// </summary>
public sealed class MigrationScenario : IAsyncDisposable
{
    public const int BatchSize = 64;

    private readonly Action<string> log;
    private HttpClient http = null!;
    private QdrantRouterClient? grpcClient;
    private readonly Prometheus.Counter pointsCopied;
    private readonly CancellationTokenSource chaos = new();
    private readonly List<Task> background = [];
    private CancellationTokenSource? workloadStop;
    private Task? workload;
    private readonly Lock faultGate = new();
    private double faultRate;

    private MigrationScenario(SandboxHost sandbox, Prometheus.CollectorRegistry operatorMetrics, string name, int seed, Action<string> log)
    {
        Sandbox = sandbox;
        Name = name;
        Seed = seed;
        this.log = log;
        // The operator's own counter: every operator the sandbox starts (kills included) counts on this one registry.
        pointsCopied = RagInstruments.PointsCopied.CreateCounter(Prometheus.Metrics.WithCustomRegistry(operatorMetrics));
    }

    public SandboxHost Sandbox { get; }

    public string Name { get; }

    public int Seed { get; }

    public AckOracle Oracle { get; } = new();

    public WorkloadDriver Driver { get; private set; } = null!;

    /// <summary>Points the migration copier wrote to targets (its metric, for this collection only).</summary>
    public long CopierUpserts => (long)pointsCopied.GetAllLabelValues()
        .Where(labels => labels[1] == Name).Sum(labels => pointsCopied.WithLabels(labels).Value);

    public int Kills => KillLog.Count;

    /// <summary>Every kill so far: its plan and the migration phase recorded just before it landed.</summary>
    public ConcurrentQueue<(KillPlan Plan, MigrationPhase? Seen)> KillLog { get; } = new();

    public int MaxPointsPerSecond { get; private init; }

    public ConcurrentQueue<string> Notes { get; } = new();

    /// <param name="maxPointsPerSecond">rebalance.maxPointsPerSecond: a slower copy gives kills a chance to land mid-copy.</param>
    /// <param name="configure">Further spec settings of the collection (replicas, Qdrant version) on every apply.</param>
    /// <param name="hotIds">Ids per writer written over and over while their cells move (<see cref="WorkloadOptions.HotIds"/>).</param>
    /// <param name="api">The routers' API the workload speaks.</param>
    public static async Task<MigrationScenario> StartAsync(
        string name, int shards, int seed, Action<string> log, int maxPointsPerSecond = 0, Action<VectorCollectionSpec>? configure = null, int hotIds = 0,
        RouterApi api = RouterApi.V1Json)
    {
        // The operator's default chain, stream migration included, as `rag-operator run` has it.
        var operatorMetrics = Prometheus.Metrics.NewCustomRegistry();
        var sandbox = await SandboxHost.StartAsync(new SandboxOptions { HealthyResync = TimeSpan.FromSeconds(2), OperatorMetrics = operatorMetrics });
        var scenario = new MigrationScenario(sandbox, operatorMetrics, name, seed, log) { MaxPointsPerSecond = maxPointsPerSecond, Configure = configure };
        await Collections.CreateReadyAsync(sandbox, scenario.Collection(shards));
        scenario.http = await sandbox.RouterHttpClientAsync(name, TimeSpan.FromSeconds(30));
        var routers = await SandboxHost.WaitForAsync(
            _ => Task.FromResult(sandbox.RoutersOf(name) is { Count: >= 2 } r && r.All(x => x.CurrentTable is not null) ? r : null),
            TimeSpan.FromSeconds(30), "two routers serving a table");
        IRouterClient client = new RouterClient(scenario.http, [.. routers.Select(r => r.BaseUri)], name, Collections.RouterKey);
        if (api == RouterApi.QdrantGrpc)
        {
            var trust = await sandbox.TrustAsync(name);
            var grpc = new QdrantRouterClient([.. routers.Select(r => r.GrpcUri)], name, Collections.RouterKey,
                () => trust?.CreateHandler(TimeSpan.FromMinutes(5)) ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
            scenario.grpcClient = grpc;
            client = grpc;
        }

        scenario.Driver = new WorkloadDriver(client, scenario.Oracle, new WorkloadOptions
        {
            Dimension = 8,
            Writers = 3,
            Searchers = 2,
            MaxBatch = 16,
            Seed = seed,
            HotIds = hotIds,
        });
        scenario.background.Add(Task.Run(() => scenario.ApplyFaultsAsync(scenario.chaos.Token)));
        return scenario;
    }

    /// <summary>The collection as a user applies it (server-side apply, so re-applying with another shard count scales it).</summary>
    /// <param name="configure">Replaces the scenario's own further settings for this apply.</param>
    public VectorCollection Collection(int shards, Action<VectorCollectionSpec>? configure = null) => Collections.Docs(Name, spec =>
    {
        spec.Shards = shards;
        spec.Sharding.Slots = 4096;
        spec.Rebalance.BatchSize = BatchSize;
        spec.Rebalance.MaxPointsPerSecond = MaxPointsPerSecond;
        (configure ?? Configure)?.Invoke(spec);
    });

    private Action<VectorCollectionSpec>? Configure { get; init; }

    public Task LoadAsync(int points) => Driver.LoadAsync(points, 50);

    public void StartWorkload()
    {
        workloadStop = new CancellationTokenSource();
        var stop = workloadStop.Token;
        workload = Task.Run(() => Driver.RunAsync(stop, searchPause: TimeSpan.FromMilliseconds(10)));
    }

    public async Task StopWorkloadAsync()
    {
        if (workloadStop is null || workload is null) return;
        await workloadStop.CancelAsync();
        await workload;
        workloadStop.Dispose();
        workloadStop = null;
    }

    /// <summary>Every shard server of the collection — present and future — fails this share of API requests.</summary>
    public void InjectFaults(double rate)
    {
        lock (faultGate)
        {
            faultRate = rate;
            ApplyFaults();
        }
    }

    /// <summary>
    /// The API server answers this share of the operator's status writes of the collection and of its ConfigMap writes
    /// (routing tables) with 409 Conflict, as it does when another writer got in first; 0 removes the rules.
    /// </summary>
    public void InjectApiConflicts(double rate)
    {
        foreach (var rule in apiConflicts) Sandbox.ApiServer.Faults.Remove(rule);
        apiConflicts.Clear();
        if (rate <= 0) return;
        foreach (var verb in new[] { "update", "patch" })
        {
            apiConflicts.Add(Sandbox.ApiServer.Faults.Add(new FaultRule
            {
                Kind = FaultKind.Conflict, Verb = verb, Resource = "vectorcollections.ragoperator.io", Subresource = "status", Probability = rate,
            }));
            apiConflicts.Add(Sandbox.ApiServer.Faults.Add(new FaultRule { Kind = FaultKind.Conflict, Verb = verb, Resource = "configmaps", Probability = rate }));
        }
    }

    private readonly List<FaultRule> apiConflicts = [];

    public async Task ScaleAsync(int shards) => await Sandbox.ApplyAsync(Collection(shards));

    public Task<VectorCollection> GetAsync() => Sandbox.GetCollectionAsync(Name);

    /// <summary>Sets an annotation on the collection as a user would (read, change, update; again on a conflict).</summary>
    public async Task AnnotateAsync(string key, string value)
    {
        for (var attempt = 1; ; attempt++)
        {
            var collection = await GetAsync();
            collection.Metadata.Annotations = new Dictionary<string, string>(collection.Metadata.Annotations ?? new Dictionary<string, string>()) { [key] = value };
            try
            {
                await Sandbox.Client.UpdateAsync(collection);
                return;
            }
            catch (Kubernetes.Client.ConflictException) when (attempt < 10)
            {
                // The operator wrote status in between: read again.
            }
        }
    }

    /// <summary>Waits until a migration to <paramref name="shards"/> shards is Done and the stable table has them.</summary>
    public async Task<MigrationStatus> WaitForDoneAsync(int shards, TimeSpan timeout)
    {
        var done = await Sandbox.WaitForCollectionAsync(Name,
            c => c.Status?.Migration is { Phase: MigrationPhase.Done } m && m.ToShards == shards,
            $"migration to {shards} shards Done", timeout);
        return done.Status!.Migration!;
    }

    /// <summary>
    /// Kills the operator (no graceful shutdown) <paramref name="kills"/> times while the migration runs, at random
    /// phases or delays (<see cref="KillPlan.Draw"/>), restarting it after each. Stops early once the migration is Done.
    /// </summary>
    public Task KillAndRestartAsync(Random random, int kills, int toShards) =>
        KillAndRestartAsync([.. Enumerable.Range(0, kills).Select(_ => KillPlan.Draw(random, whileResumingChance: 0))], toShards);

    /// <summary>
    /// Kills the operator (no graceful shutdown) once per plan while the migration runs: before each kill it waits
    /// until the plan's phase is reached (at most 8 s) or its delay has passed, then the plan's extra delay; restarts
    /// the operator after the plan's down time. Stops early once the migration is Done.
    /// </summary>
    public async Task KillAndRestartAsync(IReadOnlyList<KillPlan> kills, int toShards)
    {
        foreach (var kill in kills)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            MigrationStatus? seen = null;
            while (waited.Elapsed < (kill.AtPhase is null ? kill.Delay : TimeSpan.FromSeconds(8)))
            {
                seen = (await GetAsync()).Status?.Migration;
                if (seen is { Phase: MigrationPhase.Done } && seen.ToShards == toShards) return;
                if (kill.AtPhase is { } phase && seen is not null && seen.ToShards == toShards && seen.Phase >= phase && seen.Phase < MigrationPhase.Done) break;
                await Task.Delay(15);
            }

            // A little later still, so that a kill "in Copying" lands between batches as often as at the phase's start.
            await Task.Delay(kill.Extra);
            seen = (await GetAsync()).Status?.Migration ?? seen;
            await Sandbox.KillOperatorAsync();
            KillLog.Enqueue((kill, seen?.Phase));
            Note($"kill {Kills}: {kill}, migration was {seen?.Phase} ({seen?.Progress?.PointsCopied} points copied)");
            await Task.Delay(kill.Down);
            await Sandbox.StartOperatorAsync();
        }
    }

    /// <summary>The table the routers load, as published.</summary>
    public async Task<RoutingTable> PublishedAsync()
    {
        var map = await Sandbox.Client.GetAsync<ConfigMap>(ChildNames.RoutingConfigMap(Name), Sandbox.Namespace);
        return RoutingTable.Parse(map.Data![ChildNames.RoutingKey]);
    }

    /// <summary>Reads every shard that exists and judges what it holds against the oracle and the final table.</summary>
    public async Task<InvariantReport> CheckAsync(RoutingTable final)
    {
        // A scale-in's drained shards are removed once the migration is Done; their servers stop a moment later.
        // Scanning one that is stopping would fail on the connection, so wait until only the table's shards are left
        // (a drained shard that never goes away is a failure of its own).
        await SandboxHost.WaitForAsync(
            _ => Task.FromResult<object?>(Enumerable.Range(0, 16).All(shard => (Sandbox.Shard(Name, shard) is not null) == final.Shards.Any(s => s.Id == shard)) ? new object() : null),
            TimeSpan.FromSeconds(30), $"the shards of {Name} to be exactly those of routing table v{final.Version}");
        var clients = new Dictionary<int, IQdrantClient>();
        for (var shard = 0; shard < 16; shard++)
        {
            if (Sandbox.Shard(Name, shard) is not null) clients[shard] = await Collections.ClientAsync(Sandbox, Name, shard);
        }

        try
        {
            var found = await ShardScanner.ScanAsync(clients, Name, withVectors: final.CellDependsOnVector);
            return InvariantReport.Check(Oracle, final, found, Driver.Stats.FailedSearches);
        }
        finally
        {
            foreach (var client in clients.Values) ((IDisposable)client).Dispose();
        }
    }

    /// <summary>
    /// The most points the copier may write when checkpoints are honoured: every id in the moved cells, plus one batch read
    /// again per restart, plus the verify repairs.
    /// </summary>
    public long CopyBound(RoutingTable before, MigrationStatus migration) =>
        IdsInMovedCells(before, migration) + (Kills * BatchSize) + migration.TotalRepairs;

    /// <summary>Ids ever written whose cell one of the moves moved: an upper bound on the points a copy must write.</summary>
    public long IdsInMovedCells(RoutingTable table, MigrationStatus migration)
    {
        var moved = CellSet.FromRanges((migration.Moves ?? []).SelectMany(m => CellSet.Parse(m.Cells).Ranges));
        return Oracle.Ids().Count(id => moved.Contains(table.CellOf(PointKey.FromUlong(id))));
    }

    public void Note(string text)
    {
        Notes.Enqueue(text);
        log($"[seed {Seed}] {text}");
    }

    public string Describe() =>
        $"seed {Seed}; kills {Kills}; writes {Driver.Stats.WriteRequests} ({Driver.Stats.FailedWriteRequests} not acknowledged); " +
        $"searches {Driver.Stats.Searches} ({Driver.Stats.FailedSearches} failed); failures: {string.Join(" | ", Driver.Stats.FailureSamples.Take(5))}; " +
        $"notes: {string.Join(" | ", Notes)}";

    public async ValueTask DisposeAsync()
    {
        await StopWorkloadAsync();
        await chaos.CancelAsync();
        try
        {
            await Task.WhenAll(background);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        await Sandbox.DisposeAsync();
        http?.Dispose();
        grpcClient?.Dispose();
        chaos.Dispose();
    }

    private async Task ApplyFaultsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            lock (faultGate) ApplyFaults();
            await Task.Delay(20, cancellationToken);
        }
    }

    private void ApplyFaults()
    {
        for (var shard = 0; shard < 16; shard++)
        {
            if (Sandbox.Shard(Name, shard) is { } server && server.Faults.ErrorRate != faultRate) server.Faults.ErrorRate = faultRate;
        }
    }
}
