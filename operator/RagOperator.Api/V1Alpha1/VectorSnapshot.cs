using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.V1Alpha1;

/// <summary>A one-off, consistent snapshot of every shard of a VectorCollection, stored as one snapshot set.</summary>
[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "VectorSnapshot", "vectorsnapshots",
    ShortNames = ["vsnap"], Categories = ["ragoperator"])]
[Description("VectorSnapshot takes one snapshot of every shard of a VectorCollection, all under one routing table version, and stores the set with its manifest on a PersistentVolumeClaim or in an S3-compatible bucket.")]
[PrinterColumn("Collection", "string", ".spec.collection")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Routing", "integer", ".status.routingVersion", Description = "Routing table version the set was taken under")]
[PrinterColumn("Shards", "string", ".status.progress.summary")]
[PrinterColumn("Bytes", "integer", ".status.progress.bytes", Priority = 1)]
[PrinterColumn("Location", "string", ".status.location", Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class VectorSnapshot : IKubernetesObject<VectorSnapshotSpec, VectorSnapshotStatus>
{
    public const string KindName = "VectorSnapshot";
    public const string Plural = "vectorsnapshots";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();

    [Required]
    [Description("What to snapshot and where to store it. Immutable: a snapshot is taken once.")]
    [CelRule("self == oldSelf", "spec of a VectorSnapshot is immutable: it is taken once; create a new VectorSnapshot instead")]
    public VectorSnapshotSpec Spec { get; set; } = new();

    [Description("Progress and result, written by the operator only.")]
    public VectorSnapshotStatus? Status { get; set; }
}

public sealed class VectorSnapshotSpec
{
    [Required]
    [MaxLength(63)]
    [RegularExpression(ApiPatterns.DnsLabel)]
    [Description("Name of the VectorCollection (in this namespace) to snapshot.")]
    public string Collection { get; set; } = "";

    [Required]
    [Description("Where the snapshot set is stored.")]
    public SnapshotStorageSpec Storage { get; set; } = new();

    [Description("Retain keeps the stored files when this VectorSnapshot is deleted; Delete removes them too (scheduled snapshots use Delete, so retention frees the storage).")]
    public SnapshotDeletionPolicy DeletionPolicy { get; set; } = SnapshotDeletionPolicy.Retain;
}

public sealed class VectorSnapshotStatus
{
    public long? ObservedGeneration { get; set; }

    [Description("Pending, WaitingForMigration, Running, Completed or Failed.")]
    public string? Phase { get; set; }

    [ListMapKeys("type")]
    [Description("Complete (True once the whole set and its manifest are stored) and Failed (True when the operator gave up).")]
    public IList<Condition>? Conditions { get; set; }

    [Description("Routing table version every file of the set was taken under.")]
    public long? RoutingVersion { get; set; }

    [Description("The storage, for example s3://bucket/prefix or pvc://claim/path.")]
    public string? Location { get; set; }

    [Description("Object key of the set's manifest (manifest.json), relative to the storage; present once the set is complete.")]
    public string? Manifest { get; set; }

    [ListMapKeys("shard")]
    [Description("The files stored so far, one per shard.")]
    public IList<SnapshotFileStatus>? Files { get; set; }

    public TransferProgress? Progress { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    [Description("Failed attempts so far; the snapshot fails for good after 5.")]
    public int FailedAttempts { get; set; }

    [Description("What the operator is doing or waiting for.")]
    public string? Message { get; set; }

    public string? LastError { get; set; }
}
