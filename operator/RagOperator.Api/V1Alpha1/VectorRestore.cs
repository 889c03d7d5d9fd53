using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.V1Alpha1;

/// <summary>Restores a snapshot set into a new VectorCollection with the same cells and routing.</summary>
[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "VectorRestore", "vectorrestores",
    ShortNames = ["vrestore"], Categories = ["ragoperator"])]
[Description("VectorRestore restores a snapshot set into a new VectorCollection with the same shard count and cell ownership as the collection it was taken from. It never overwrites a collection that holds data.")]
[PrinterColumn("Target", "string", ".spec.target.name")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Routing", "integer", ".status.routingVersion", Description = "Routing table version of the snapshot set")]
[PrinterColumn("Shards", "string", ".status.progress.summary")]
[PrinterColumn("Source", "string", ".status.sourceCollection", Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class VectorRestore : IKubernetesObject<VectorRestoreSpec, VectorRestoreStatus>
{
    public const string KindName = "VectorRestore";
    public const string Plural = "vectorrestores";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();

    [Required]
    [Description("Which snapshot set to restore and into which collection. Immutable.")]
    [CelRule("self == oldSelf", "spec of a VectorRestore is immutable; create a new VectorRestore instead")]
    public VectorRestoreSpec Spec { get; set; } = new();

    [Description("Progress and result, written by the operator only.")]
    public VectorRestoreStatus? Status { get; set; }
}

public sealed class VectorRestoreSpec
{
    [Required]
    [Description("The snapshot set: a completed VectorSnapshot in this namespace, or a storage and the key of a set's manifest.")]
    public RestoreSource Source { get; set; } = new();

    [Required]
    [Description("The VectorCollection to restore into. It is created from the set's manifest when it does not exist; an existing one must be empty and have the same shape and cell ownership.")]
    public RestoreTarget Target { get; set; } = new();
}

[CelRule("has(self.snapshot) != has(self.storage)",
    "set exactly one of source.snapshot (a VectorSnapshot in this namespace) and source.storage with source.manifest")]
[CelRule("has(self.storage) == has(self.manifest)",
    "source.storage and source.manifest go together: name the storage and the key of the set's manifest.json in it", FieldPath = ".manifest")]
public sealed class RestoreSource
{
    [MaxLength(253)]
    [RegularExpression(ApiPatterns.DnsSubdomain)]
    [Description("Name of a VectorSnapshot in this namespace; the restore waits until it is Completed.")]
    public string? Snapshot { get; set; }

    [Description("Storage holding the set (for sets taken elsewhere, or whose VectorSnapshot is gone).")]
    public SnapshotStorageSpec? Storage { get; set; }

    [MaxLength(512)]
    [RegularExpression(ApiPatterns.ObjectPath)]
    [Description("Object key of the set's manifest.json in the storage (VectorSnapshot status.manifest).")]
    public string? Manifest { get; set; }
}

public sealed class RestoreTarget
{
    [Required]
    [MaxLength(40)]
    [RegularExpression(ApiPatterns.DnsLabel)]
    [Description("Name of the VectorCollection (in this namespace) to restore into.")]
    public string Name { get; set; } = "";

    [Description("Qdrant API key of the new collection; defaults to the source collection's Secret reference.")]
    public SecretKeySelector? QdrantApiKeySecretRef { get; set; }

    [Description("Router API key of the new collection; defaults to the source collection's Secret reference.")]
    public SecretKeySelector? RouterApiKeySecretRef { get; set; }

    [Description("Node pool of the new collection; defaults to the source collection's.")]
    public LocalObjectReference? NodePoolRef { get; set; }
}

public sealed class VectorRestoreStatus
{
    public long? ObservedGeneration { get; set; }

    [Description("Pending, CreatingCollection, WaitingForCollection, Restoring, Completed or Failed.")]
    public string? Phase { get; set; }

    [ListMapKeys("type")]
    [Description("Complete (True once every shard is restored) and Failed (True when the restore was refused or gave up, with the reason).")]
    public IList<Condition>? Conditions { get; set; }

    [Description("namespace/name of the collection the set was taken from.")]
    public string? SourceCollection { get; set; }

    [Description("Routing table version of the snapshot set; the target gets the same cell ownership.")]
    public long? RoutingVersion { get; set; }

    [Description("UID of the target VectorCollection the restore writes into (set once the target was created or accepted).")]
    public string? TargetUid { get; set; }

    [ListMapKeys("shard")]
    [Description("The files restored so far, one per shard, with the points each shard holds after recovery.")]
    public IList<SnapshotFileStatus>? Files { get; set; }

    public TransferProgress? Progress { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    [Description("Failed attempts so far; the restore fails for good after 5.")]
    public int FailedAttempts { get; set; }

    [Description("What the operator is doing or waiting for.")]
    public string? Message { get; set; }

    public string? LastError { get; set; }
}
