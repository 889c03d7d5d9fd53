namespace RagOperator.Routing;

/// <summary>The kinds of work the migration runner performs for a decision.</summary>
public enum MigrationActionKind
{
    /// <summary>Nothing to do: the migration is over.</summary>
    None,

    /// <summary>Create the new shards (StatefulSets, collection) and wait until they are ready.</summary>
    ScaleOut,

    /// <summary>Publish the routing table <see cref="MigrationAction.Table"/> with the next version.</summary>
    PublishVersion,

    /// <summary>Wait until every ready router serves <see cref="MigrationAction.Version"/>.</summary>
    WaitForAcks,

    /// <summary>Copy the next batch of moving points from source to target, then checkpoint.</summary>
    CopyBatch,

    /// <summary>Compare the moved cells on sources and targets, repair differences, record whether it was clean.</summary>
    VerifyPass,

    /// <summary>Delete the moved cells from their old owners.</summary>
    DeleteMovedCellsFromSources,

    /// <summary>Remove the StatefulSets of the drained shards.</summary>
    RemoveDrainedShards,

    /// <summary>Rollback: delete the cells copied so far from the targets.</summary>
    DeleteCopiedCellsFromTargets,

    /// <summary>Rollback: remove the shards added for this migration.</summary>
    RemoveAddedShards,

    /// <summary>The last step failed; retry it after a backoff and report the error in the Rebalancing condition.</summary>
    RetryAfterError,

    /// <summary>The facts contradict the phase (a bug or a hand-edited status); stop and report, touching nothing.</summary>
    Halt,
}

/// <summary>One action for the runner; <see cref="Table"/> and <see cref="Version"/> are set for publishing and waiting.</summary>
public sealed record MigrationAction(MigrationActionKind Kind, MigrationTable? Table = null, long? Version = null)
{
    public static MigrationAction None { get; } = new(MigrationActionKind.None);

    public static MigrationAction Publish(MigrationTable table) => new(MigrationActionKind.PublishVersion, Table: table);

    public static MigrationAction WaitForAcks(long version) => new(MigrationActionKind.WaitForAcks, Version: version);

    public static MigrationAction Of(MigrationActionKind kind) => new(kind);

    public override string ToString() => Kind switch
    {
        MigrationActionKind.PublishVersion => $"PublishVersion({Table})",
        MigrationActionKind.WaitForAcks => $"WaitForAcks({Version})",
        _ => Kind.ToString(),
    };
}

/// <summary>
/// The phase to record and the action to take. The runner records <see cref="Next"/> in status before it performs
/// <see cref="Action"/>, so a restarted operator never finds a published table ahead of the recorded phase.
/// </summary>
public sealed record MigrationDecision(MigrationPhase Next, MigrationAction Action, string Message, bool CancelRefused = false);
