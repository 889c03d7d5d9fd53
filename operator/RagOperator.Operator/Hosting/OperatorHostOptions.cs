using RagOperator.Operator.Builders;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Operator.Seams;

namespace RagOperator.Operator.Hosting;

/// <summary>Settings of one operator process (the flags of <c>rag-operator run</c>).</summary>
public sealed record OperatorHostOptions
{
    public bool LeaderElect { get; init; }

    /// <summary>Lease timing; the defaults are client-go's.</summary>
    public LeaseTiming LeaseTiming { get; init; } = new();

    /// <summary>Port of <c>/metrics</c>; null serves no metrics endpoint. 0 picks a free port (tests).</summary>
    public int? MetricsPort { get; init; } = 8080;

    /// <summary>
    /// The registry the operator's metrics go on and <c>/metrics</c> serves. Null makes a private one, as a new process
    /// would have; pass one to share it with the Kubernetes client (<see cref="Kubernetes.Client.KubernetesClientOptions.Metrics"/>).
    /// </summary>
    public Prometheus.CollectorRegistry? MetricsRegistry { get; init; }

    /// <summary>Port of <c>/healthz</c> and <c>/readyz</c>; null serves none. 0 picks a free port (tests).</summary>
    public int? HealthPort { get; init; } = 8081;

    /// <summary>Address the metrics and health servers bind to (127.0.0.1 in-process).</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    public string RouterImage { get; init; } = OperatorSettings.DefaultRouterImage;

    /// <summary>Namespaces to watch; empty watches all namespaces.</summary>
    public IReadOnlyList<string> WatchNamespaces { get; init; } = [];

    /// <summary>OTLP collector for traces; null disables tracing.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>This replica's identity (leader-election holder, event reporting instance).</summary>
    public string PodName { get; init; } = Environment.MachineName;

    /// <summary>The namespace of the leader-election Lease.</summary>
    public string PodNamespace { get; init; } = "default";

    public string LeaseName { get; init; } = "rag-operator-leader";

    /// <summary>Reconciles running at once per controller.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>How often a healthy collection is looked at again (point counts, router acknowledgements).</summary>
    public TimeSpan? HealthyResync { get; init; }

    /// <summary>How soon a collection blocked by its spec is looked at again (see <see cref="OperatorSettings.BlockedRecheck"/>).</summary>
    public TimeSpan? BlockedRecheck { get; init; }

    /// <summary>How long a pod replaced by a rolling upgrade may take to become Ready before the rollout halts.</summary>
    public TimeSpan RolloutPodTimeout { get; init; } = Upgrades.RolloutPlanner.DefaultPodReadyTimeout;

    /// <summary>Where the PersistentVolumeClaims of snapshot storage are mounted, one directory per claim name.</summary>
    public string SnapshotVolumeRoot { get; init; } = Snapshots.SnapshotStoreFactory.DefaultVolumeRoot;
}

/// <summary>
/// The seams between the operator and the world; null members get the in-cluster defaults. The Sandbox replaces
/// them with loopback implementations.
/// </summary>
public sealed record OperatorSeams
{
    public IShardEndpointResolver? ShardEndpoints { get; init; }

    public IRouterEndpointResolver? RouterEndpoints { get; init; }

    public IQdrantClientFactory? Qdrant { get; init; }

    public IRouterAcks? RouterAcks { get; init; }

    public IMigrationStep? Migration { get; init; }

    public IEventSink? Events { get; init; }

    public TimeProvider? Time { get; init; }

    /// <summary>Opens snapshot storage (PVC directory or S3 bucket); default reads Secrets and mounts from the cluster.</summary>
    public Snapshots.ISnapshotStoreFactory? SnapshotStores { get; init; }

    /// <summary>The Qdrant peer of each shard that snapshots are taken on; default pod 0 through the headless Service.</summary>
    public Snapshots.ISnapshotPeerResolver? SnapshotPeers { get; init; }

    public Snapshots.SnapshotSettings? SnapshotSettings { get; init; }

    /// <summary>The clock of snapshot schedules (tests move it by hand); default <see cref="Time"/>.</summary>
    public TimeProvider? SnapshotTime { get; init; }
}

/// <summary>How the leader Lease is timed (client-go's defaults: 15 s, 10 s, 2 s).</summary>
public sealed record LeaseTiming
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>What is wrong with the timing, or null: each must be shorter than the one before.</summary>
    public string? Problem() =>
        RenewDeadline >= LeaseDuration ? $"the renew deadline ({RenewDeadline.TotalSeconds:0} s) must be shorter than the lease duration ({LeaseDuration.TotalSeconds:0} s)"
        : RetryPeriod >= RenewDeadline ? $"the retry period ({RetryPeriod.TotalSeconds:0} s) must be shorter than the renew deadline ({RenewDeadline.TotalSeconds:0} s)"
        : null;
}
