using System.ComponentModel;
using System.Text.Json.Serialization;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.V1Alpha1;

public sealed class VectorCollectionStatus
{
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [Description("Pending, Provisioning, Ready, Updating (the operator replaces or adds pods of a running collection), Rebalancing, Degraded or Deleting.")]
    public string? Phase { get; set; }

    [ListMapKeys("type")]
    [Description("Ready, Progressing, Rebalancing and Degraded conditions.")]
    public IList<Condition>? Conditions { get; set; }

    [Description("How many shards serve the collection now: the stable routing table's count, or the count a running migration started from (the scale subresource's current replicas).")]
    public int? CurrentShards { get; set; }

    [Description("Label selector of the collection's shard pods, for the scale subresource (an HPA finds the pods behind resource metrics with it).")]
    public string? Selector { get; set; }

    [ListMapKeys("index")]
    [Description("Readiness and size of each shard.")]
    public IList<ShardStatus>? Shards { get; set; }

    [Description("The routing table the routers serve.")]
    public RoutingStatus? Routing { get; set; }

    [Description("The running (or last) stream migration between shards.")]
    public MigrationStatus? Migration { get; set; }

    [Description("The semantic partition (strategy semantic): training state, generation, cells.")]
    public SemanticStatus? Semantic { get; set; }

    [Description("Readiness of the router Deployment.")]
    public RouterStatus? Router { get; set; }

    [Description("The collection's certificates (spec.tls): the CA and each leaf, with when they expire and are renewed.")]
    public TlsStatus? Tls { get; set; }

    [Description("Scheduled snapshots (spec.snapshots), written by the snapshot scheduler.")]
    public SnapshotScheduleStatus? Snapshots { get; set; }
}

public sealed class SnapshotScheduleStatus
{
    [Description("The scheduled time of the last snapshot the scheduler created (or skipped).")]
    public DateTimeOffset? LastScheduleTime { get; set; }

    [Description("When the next scheduled snapshot is due.")]
    public DateTimeOffset? NextScheduleTime { get; set; }

    [Description("Name of the newest scheduled VectorSnapshot.")]
    public string? LastSnapshot { get; set; }

    [Description("Name of the newest scheduled VectorSnapshot that completed.")]
    public string? LastSuccessfulSnapshot { get; set; }

    [Description("Completed scheduled snapshots kept.")]
    public int Retained { get; set; }

    [Description("A problem with the schedule (for example an invalid cron expression), with how to fix it; empty when none.")]
    public string? Message { get; set; }
}

public sealed class ShardStatus
{
    [System.ComponentModel.DataAnnotations.Required]
    public int Index { get; set; }
    public string Name { get; set; } = "";
    public int Replicas { get; set; }
    public int ReadyReplicas { get; set; }
    [Description("Whether the Qdrant collection exists on the shard.")]
    public bool CollectionCreated { get; set; }
    [Description("Points stored on the shard (as counted by Qdrant).")]
    public long? Points { get; set; }
    public bool Ready { get; set; }
    [Description("Pods running the StatefulSet's latest template (the rolling upgrade replaces the others one by one).")]
    public int? UpdatedReplicas { get; set; }
    [Description("Replicas of the shard's data that are Active in its Qdrant cluster.")]
    public int? ActiveReplicas { get; set; }
    [Description("Replicas of the shard's data in its Qdrant cluster, in any state.")]
    public int? TotalReplicas { get; set; }
    [Description("Replicas that are not Active, as pod=state (for example docs-shard-0-2=Partial while its data is copied).")]
    public IList<string>? InactiveReplicas { get; set; }
}

public sealed class RoutingStatus
{
    [Description("Version of the published routing table (ConfigMap <collection>-routing).")]
    public long ActiveVersion { get; set; }
    public string? ConfigMap { get; set; }
    [Description("Lowest routing version served by every ready router.")]
    public long? AcknowledgedVersion { get; set; }
}

public sealed class TlsStatus
{
    [Description("Operator or Disabled, as spec.tls.mode.")]
    public string? Mode { get; set; }

    [ListMapKeys("secret")]
    [Description("The CA and the leaf certificates, one per Secret.")]
    public IList<CertificateStatus>? Certificates { get; set; }
}

public sealed class CertificateStatus
{
    [System.ComponentModel.DataAnnotations.Required]
    [Description("The Secret that holds the certificate.")]
    public string Secret { get; set; } = "";

    [Description("CA, Shard or Router.")]
    public string? Role { get; set; }

    [Description("When the certificate expires.")]
    public DateTimeOffset? NotAfter { get; set; }

    [Description("When the operator renews it (a third of its life before it expires).")]
    public DateTimeOffset? RenewAt { get; set; }
}

public sealed class RouterStatus
{
    public int Replicas { get; set; }
    public int ReadyReplicas { get; set; }
    public string? Service { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<MigrationPhase>))]
public enum MigrationPhase
{
    Planned,
    ScalingOut,
    Copying,
    Verifying,
    CuttingOver,
    Finalizing,
    CleaningUp,
    Done,
    RollingBack,
    RolledBack,
}

public sealed class MigrationStatus
{
    [Description("Identifier of this migration (from and to shard counts and the starting routing version).")]
    public string? Id { get; set; }
    public MigrationPhase Phase { get; set; }
    public int FromShards { get; set; }
    public int ToShards { get; set; }
    [Description("Routing version that was active when the migration started (rollback target).")]
    public long FromVersion { get; set; }
    [Description("The spec generation this migration converges to.")]
    public long? TargetGeneration { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    [Description("Cell moves of the plan with their per-move copy checkpoints.")]
    public IList<MigrationMove>? Moves { get; set; }
    [Description("Write version (_rag_v) below which the copy reads points; newer writes reached both owners. Set when copying starts.")]
    public long? CopyWatermark { get; set; }
    public MigrationProgress? Progress { get; set; }
    [Description("Completed verification passes and differences repaired in the last one.")]
    public int VerifyPasses { get; set; }
    public long LastVerifyRepairs { get; set; }
    [Description("Differences repaired so far in the verification pass in progress.")]
    public long PassRepairs { get; set; }
    [Description("Differences repaired by every verification pass of this migration.")]
    public long TotalRepairs { get; set; }
    [Description("What the migration is doing or waiting for.")]
    public string? Message { get; set; }
    public string? LastError { get; set; }
    [Description("Failed attempts in a row of the current step (reset by a success); the retry backoff grows with it.")]
    public int ConsecutiveFailures { get; set; }

    [Description("Rebalance (whole cells move to other shards) or Repartition (points move to the owners of their cells in a newly trained partition; then each move is one source shard, from = to).")]
    public string? Kind { get; set; }

    [Description("Repartition only: the generation of the partition being moved to (ConfigMap <collection>-partition-g<generation>).")]
    public int? Generation { get; set; }
}

/// <summary>The semantic partition as the operator sees it; written by the migration step only.</summary>
public sealed class SemanticStatus
{
    [Description("Provisional (hash routing until trainAfterPoints points), Training, Repartitioning, Trained, or Unsupported (with a message).")]
    public string? State { get; set; }

    [Description("Generation of the trained partition served (0 while provisional).")]
    public int Generation { get; set; }

    [Description("Cells (centroids) of the trained partition.")]
    public int? Cells { get; set; }

    [Description("Default nprobe of the published table.")]
    public int? Nprobe { get; set; }

    [Description("Points in the collection when it was last counted, and the threshold that starts the training.")]
    public long? Points { get; set; }

    public long? TrainAfterPoints { get; set; }

    [Description("When the partition being served (or built) was trained, on how many sampled points, and why.")]
    public DateTimeOffset? TrainedAt { get; set; }

    public int? SamplePoints { get; set; }

    public string? Trigger { get; set; }

    [Description("Largest cell's points over the mean cell's at the last drift check; a retrain starts above spec.sharding.semantic.maxCellSkew.")]
    public double? LargestCellRatio { get; set; }

    public DateTimeOffset? LastDriftCheck { get; set; }

    [Description("Largest cell's points over the mean cell's expected by the training; drift is growth beyond maxCellSkew and 25 % above this.")]
    public double? TrainedCellRatio { get; set; }

    [Description("The value of the ragoperator.io/retrain annotation last acted on.")]
    public string? RetrainRequest { get; set; }

    public string? Message { get; set; }
}

public sealed class MigrationMove
{
    [Description("Cells moved, as inclusive ranges such as 0-511,1024-1100.")]
    public string Cells { get; set; } = "";
    public int From { get; set; }
    public int To { get; set; }
    [Description("Pending, Copying, Copied, Verified (in the current verification pass), Cleaned (deleted from the source after the cut-over) or Reverted (deleted from the target by a rollback).")]
    public string State { get; set; } = "Pending";
    [Description("Points read from the source and brought up to date on the target.")]
    public long PointsCopied { get; set; }
    [Description("Scroll offset (point id) after the last copied batch; a restart resumes here.")]
    public string? Checkpoint { get; set; }
    [Description("Scroll offset (point id) where the verification pass in progress resumes for this move.")]
    public string? VerifyCheckpoint { get; set; }
}

public sealed class MigrationProgress
{
    public long PointsCopied { get; set; }
    public long PointsEstimated { get; set; }
    public double PointsPerSecond { get; set; }
    public long? EtaSeconds { get; set; }
}
