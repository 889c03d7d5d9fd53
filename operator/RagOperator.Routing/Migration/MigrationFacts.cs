namespace RagOperator.Routing;

/// <summary>
/// What the migration runner has observed, as input to <see cref="MigrationStateMachine.Decide"/>. Every fact is
/// something the runner records in status or reads from the cluster, so a restarted operator decides the same.
/// </summary>
public sealed record MigrationFacts
{
    /// <summary>The migration table currently published in the routing ConfigMap.</summary>
    public MigrationTable Published { get; init; } = MigrationTable.StableOld;

    /// <summary>The version of the published routing table.</summary>
    public long PublishedVersion { get; init; }

    /// <summary>The lowest version served by the ready routers (every one of them has acknowledged it).</summary>
    public long AckedVersion { get; init; }

    /// <summary>The plan adds shards that must exist and be ready before copying.</summary>
    public bool AddsShards { get; init; }

    /// <summary>The plan drains shards that are removed after cleanup.</summary>
    public bool DrainsShards { get; init; }

    /// <summary>Every new shard is ready and has the collection created on it.</summary>
    public bool NewShardsReady { get; init; }

    /// <summary>Every moving cell has been copied to its target (checkpoints cover all moves).</summary>
    public bool CopyComplete { get; init; }

    /// <summary>The last verify pass found no difference between sources and targets.</summary>
    public bool LastVerifyPassClean { get; init; }

    /// <summary>The moved cells have been deleted from their sources.</summary>
    public bool SourceCleanupComplete { get; init; }

    /// <summary>The drained shards' StatefulSets have been removed.</summary>
    public bool DrainedShardsRemoved { get; init; }

    /// <summary>Rolling back: the copied cells have been deleted from the targets.</summary>
    public bool TargetCleanupComplete { get; init; }

    /// <summary>Rolling back: the shards added for this migration have been removed.</summary>
    public bool AddedShardsRemoved { get; init; }

    /// <summary>The user asked to cancel the migration.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>The last step failed with this error (a shard error or timeout); null when it succeeded.</summary>
    public string? Error { get; init; }

    /// <summary>Every ready router serves the published version.</summary>
    public bool RoutersAcked => AckedVersion >= PublishedVersion;
}
