using Microsoft.Extensions.Logging;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Operator.Seams;

namespace RagOperator.Sandbox;

/// <summary>How the loopback product is put together.</summary>
public sealed record SandboxOptions
{
    /// <summary>The namespace helpers default to.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Node objects to create (the simulated scheduler binds pods to them). Empty: no nodes, pods run unbound.</summary>
    public IReadOnlyList<SandboxNode> Nodes { get; init; } = SandboxNode.Zones(3);

    /// <summary>Start the operator with the sandbox (otherwise call <see cref="Sandbox.StartOperatorAsync"/>).</summary>
    public bool StartOperator { get; init; } = true;

    /// <summary>Serve cert-manager's Certificate API and play cert-manager (<see cref="SandboxCertManager"/>), for spec.tls.mode CertManager.</summary>
    public bool CertManager { get; init; }

    /// <summary>Start one in-process router per ready router pod.</summary>
    public bool StartRouters { get; init; } = true;

    /// <summary>How often the operator re-looks at a healthy collection (short here so tests see point counts soon).</summary>
    public TimeSpan HealthyResync { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How soon a collection blocked by its spec (a missing Secret) is looked at again.</summary>
    public TimeSpan BlockedRecheck { get; init; } = TimeSpan.FromSeconds(1);

    public int OperatorWorkers { get; init; } = 4;

    public bool LeaderElect { get; init; }

    /// <summary>Namespaces the operator watches (<c>--watch-namespaces</c>); empty watches all.</summary>
    public IReadOnlyList<string> WatchNamespaces { get; init; } = [];

    public WorkloadSimulatorOptions Simulator { get; init; } = new() { ReadyDelay = TimeSpan.FromMilliseconds(50) };

    /// <summary>Logging of the operator and routers; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The metrics registry of every operator this sandbox starts, so that counters carry on across operator kills
    /// (as Prometheus' <c>increase()</c> would join them); null gives each start a fresh one, like a new process.
    /// </summary>
    public Prometheus.CollectorRegistry? OperatorMetrics { get; init; }

    /// <summary>
    /// Creates the migration step each time the operator starts (a restart gets a fresh one, as a new process would);
    /// null uses the default stream migration, which reports into the operator's metrics.
    /// </summary>
    public Func<IMigrationStep>? Migration { get; init; }

    /// <summary>
    /// One in-process Qdrant server for every shard of every collection instead of one per shard StatefulSet, for scale
    /// benchmarks with many collections. The shards of one collection then share its Qdrant collection, so use it with
    /// one-shard collections; the shared server has no API key (it accepts any).
    /// </summary>
    public bool SharedQdrant { get; init; }

    /// <summary>
    /// The routers the operator asks for acknowledgements; null uses the sandbox's in-process routers (or, when
    /// <see cref="StartRouters"/> is false, the router pods' addresses as in a cluster).
    /// </summary>
    public IRouterEndpointResolver? RouterEndpoints { get; init; }

    /// <summary>The router image put into Deployments (the sandbox runs the router in-process whatever it says).</summary>
    public string RouterImage { get; init; } = "ghcr.io/ragoperator/rag-router:0.1.0";

    /// <summary>
    /// Where snapshot PVCs are "mounted" (one directory per claim, see <see cref="Sandbox.MountSnapshotVolume"/>);
    /// null uses a temporary directory deleted with the sandbox.
    /// </summary>
    public string? SnapshotVolumeRoot { get; init; }

    /// <summary>The clock of snapshot schedules; null is the system clock.</summary>
    public TimeProvider? SnapshotTime { get; init; }

    /// <summary>Snapshot and restore timings; null uses quick rechecks suited to tests.</summary>
    public RagOperator.Operator.Snapshots.SnapshotSettings? SnapshotSettings { get; init; }
}

/// <summary>A Node object of the simulated cluster.</summary>
public sealed record SandboxNode(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Taint>? Taints = null)
{
    /// <summary><paramref name="count"/> plain nodes spread over zones a, b, c.</summary>
    public static IReadOnlyList<SandboxNode> Zones(int count) =>
        Enumerable.Range(0, count).Select(i => new SandboxNode($"node-{i}", new Dictionary<string, string>
        {
            ["kubernetes.io/hostname"] = $"node-{i}",
            ["topology.kubernetes.io/zone"] = $"zone-{(char)('a' + (i % 3))}",
        })).ToList();
}
