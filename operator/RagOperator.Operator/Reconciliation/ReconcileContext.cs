using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Routing;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// The state of one reconcile of one collection: the object as read, what the steps found out (facts), and what
/// they need to share (API keys, the routing table). Status is derived from the facts at the end of the chain by
/// <see cref="StatusComputer"/>, whatever step the chain stopped at.
/// </summary>
public sealed class ReconcileContext(VectorCollection collection, OperatorServices services, string reconcileId, ILogger logger)
{
    public VectorCollection Collection { get; set; } = collection;

    public OperatorServices Services { get; } = services;

    public string ReconcileId { get; } = reconcileId;

    public ILogger Logger { get; } = logger;

    public string Name => Collection.Metadata.Name!;

    public string Namespace => Collection.Metadata.Namespace!;

    public VectorCollectionSpec Spec => Collection.Spec;

    public VectorNodePool? NodePool { get; set; }

    public BuildInput Input => new(Collection, NodePool, Services.Settings);

    /// <summary>Qdrant API key value, read from the referenced Secret; never logged.</summary>
    public string? QdrantApiKey { get; set; }

    /// <summary>Router API key value, read from the referenced Secret; never logged.</summary>
    public string? RouterApiKey { get; set; }

    /// <summary>Whether the collection's shards and routers serve TLS (spec.tls.mode other than Disabled).</summary>
    public bool Tls => Spec.Tls.Mode != TlsMode.Disabled;

    /// <summary>The CAs the collection's shards and routers are verified against; null when spec.tls.mode is Disabled.</summary>
    public Qdrant.Tls.TrustBundle? ShardTrust { get; set; }

    /// <summary>The published (active) routing table, null before the first publication.</summary>
    public RoutingTable? Table { get; set; }

    /// <summary>The resourceVersion of the cached routing ConfigMap <see cref="Table"/> was read from.</summary>
    public string? TableResourceVersion { get; set; }

    /// <summary>Shards that exist or must exist: max(spec.shards, shards in the routing table). A migration never loses one.</summary>
    public int ShardCount => Math.Max(Spec.Shards, Table?.Shards.Length ?? 0);

    public ReconcileFacts Facts { get; } = new();
}

/// <summary>What a reconcile found; the input of <see cref="StatusComputer"/>.</summary>
public sealed class ReconcileFacts
{
    /// <summary>Problems that stop the chain before any child is written (bad spec, missing pool or Secret).</summary>
    public List<Blocker> Blockers { get; } = [];

    /// <summary>Children that exist but belong to something else; the operator leaves them alone.</summary>
    public List<string> ChildConflicts { get; } = [];

    /// <summary>Spec changes Qdrant or Kubernetes cannot apply to running shards.</summary>
    public List<string> NotInPlace { get; } = [];

    public List<ShardState> Shards { get; } = [];

    public bool ShardsObserved { get; set; }

    public RouterState? Router { get; set; }

    /// <summary>The certificates as the TLS step left them; null when the chain stopped before it.</summary>
    public TlsStatus? Tls { get; set; }

    public long? AcknowledgedVersion { get; set; }

    /// <summary>Set by the migration seam while shard count and routing table disagree.</summary>
    public string? RebalanceMessage { get; set; }

    /// <summary>True while a stream migration runs (set by the migration step); phase becomes Rebalancing.</summary>
    public bool Rebalancing { get; set; }

    /// <summary>A step that failed this reconcile (API or network error); retried with backoff.</summary>
    public string? StepError { get; set; }

    /// <summary>Conditions a step states directly (the migration step states Rebalancing).</summary>
    public List<Condition> ExtraConditions { get; } = [];

    /// <summary>Work in progress other steps report (replicas being added or dropped): Progressing, after the built-in waits.</summary>
    public List<(string Reason, string Message)> Progress { get; } = [];

    /// <summary>Problems other steps report (a replica stuck, a rollout halted): Degraded.</summary>
    public List<(string Reason, string Message)> Problems { get; } = [];

    /// <summary>A step that has work in flight asks to be looked at again this soon (sooner than the healthy resync).</summary>
    public TimeSpan? RequeueAfter { get; set; }

    public void RequeueWithin(TimeSpan after) => RequeueAfter = RequeueAfter is { } current && current < after ? current : after;
}

public sealed record Blocker(string Reason, string Message);

/// <summary>One shard as observed in this reconcile.</summary>
public sealed class ShardState(int index, string name)
{
    public int Index { get; } = index;

    public string Name { get; } = name;

    public bool Exists { get; set; }

    public int Replicas { get; set; }

    public int ReadyReplicas { get; set; }

    /// <summary>The set runs at least the desired pods and every one is ready.</summary>
    public bool WorkloadReady { get; set; }

    /// <summary>
    /// What the operator itself is doing to this shard's pods (a rolling upgrade replacing one, replicas being added or
    /// dropped), or null. A shard whose pods are down for that reason is waited for (Progressing), not Degraded: it
    /// resolves by waiting, and a rollout that does not is reported on its own (UpgradeHalted).
    /// </summary>
    public string? PodsChanging { get; set; }

    public bool CollectionCreated { get; set; }

    public long? Points { get; set; }

    /// <summary>The last Qdrant error talking to this shard (message only, no credentials).</summary>
    public string? Error { get; set; }

    public bool Ready => WorkloadReady && CollectionCreated && Error is null;

    /// <summary>Pods running the StatefulSet's latest template revision.</summary>
    public int? UpdatedReplicas { get; set; }

    /// <summary>The replicas of the shard's data in its Qdrant cluster, once observed by the replica step.</summary>
    public ReplicaSummary? QdrantReplicas { get; set; }

    /// <summary>The collection's write_consistency_factor as Qdrant reported it.</summary>
    public uint? WriteConsistencyFactor { get; set; }
}

/// <summary>Replicas of a shard's data: how many are Active of how many, which are not Active, and whether the set is settled.</summary>
/// <param name="NotActive">Pod (or peer id) and state of every replica that is not Active, e.g. <c>docs-shard-0-2=Partial</c>.</param>
/// <param name="Settled">Every desired replica is Active, nothing is left to add or drop, no transfer runs.</param>
public sealed record ReplicaSummary(int Active, int Total, IReadOnlyList<string> NotActive, bool Settled, string? Message);

/// <summary>The router Deployment as observed.</summary>
public sealed record RouterState(int Replicas, int ReadyReplicas, string Service)
{
    public bool AllReady => ReadyReplicas >= Replicas;
}
