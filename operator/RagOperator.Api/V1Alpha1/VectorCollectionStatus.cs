using System.ComponentModel;
using System.Text.Json.Serialization;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.V1Alpha1;

public sealed class VectorCollectionStatus
{
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [Description("Pending, Provisioning, Ready, Rebalancing, Degraded or Deleting.")]
    public string? Phase { get; set; }

    [ListMapKeys("type")]
    [Description("Ready, Progressing, Rebalancing and Degraded conditions.")]
    public IList<Condition>? Conditions { get; set; }

    [ListMapKeys("index")]
    [Description("Readiness and size of each shard.")]
    public IList<ShardStatus>? Shards { get; set; }

    [Description("The routing table the routers serve.")]
    public RoutingStatus? Routing { get; set; }

    [Description("The running (or last) stream migration between shards.")]
    public MigrationStatus? Migration { get; set; }

    [Description("Readiness of the router Deployment.")]
    public RouterStatus? Router { get; set; }
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
}

public sealed class RoutingStatus
{
    [Description("Version of the published routing table (ConfigMap <collection>-routing).")]
    public long ActiveVersion { get; set; }
    public string? ConfigMap { get; set; }
    [Description("Lowest routing version served by every ready router.")]
    public long? AcknowledgedVersion { get; set; }
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
