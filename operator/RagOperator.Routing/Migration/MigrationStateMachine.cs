using System.Collections.Frozen;

namespace RagOperator.Routing;

/// <summary>
/// The stream-migration protocol as a pure function from (phase, facts) to (next phase, action, message).
/// <code>
/// Planned      → ScalingOut   ScaleOut
/// ScalingOut   : new shards ready? publish ReadOldWriteBoth, wait for every router's ack → Copying
/// Copying      : CopyBatch until the copy is complete                                    → Verifying
/// Verifying    : VerifyPass until a pass is clean                                        → CuttingOver
/// CuttingOver  : publish ReadNewWriteBoth, wait for acks                                 → Finalizing
/// Finalizing   : publish ReadNewWriteNew, wait for acks                                  → CleaningUp
/// CleaningUp   : delete moved cells from sources, publish the stable new table, wait for acks,
///                remove drained shards                                                   → Done
/// cancel before CuttingOver → RollingBack: publish the stable old table (higher version), wait for acks,
///                delete copied cells from targets, remove added shards                  → RolledBack
/// </code>
/// A cancel from CuttingOver on is refused: from ReadNewWriteBoth on, routers read the new owners, and from
/// ReadNewWriteNew on they write only there, so the old ownership can no longer be trusted to hold every
/// acknowledged write. A failed step is retried in place. Facts that contradict the phase (a published table
/// outside the phase's range) halt the migration rather than guess. The runner records the returned phase before
/// acting, which is what keeps the published table within the recorded phase's range across restarts.
/// </summary>
public static class MigrationStateMachine
{
    /// <summary>The routing tables that may be published while a phase is recorded.</summary>
    public static FrozenDictionary<MigrationPhase, MigrationTable[]> AllowedTables { get; } = new Dictionary<MigrationPhase, MigrationTable[]>
    {
        [MigrationPhase.Planned] = [MigrationTable.StableOld],
        [MigrationPhase.ScalingOut] = [MigrationTable.StableOld, MigrationTable.ReadOldWriteBoth],
        [MigrationPhase.Copying] = [MigrationTable.ReadOldWriteBoth],
        [MigrationPhase.Verifying] = [MigrationTable.ReadOldWriteBoth],
        [MigrationPhase.CuttingOver] = [MigrationTable.ReadOldWriteBoth, MigrationTable.ReadNewWriteBoth],
        [MigrationPhase.Finalizing] = [MigrationTable.ReadNewWriteBoth, MigrationTable.ReadNewWriteNew],
        [MigrationPhase.CleaningUp] = [MigrationTable.ReadNewWriteNew, MigrationTable.StableNew],
        [MigrationPhase.Done] = [MigrationTable.StableNew],
        [MigrationPhase.RollingBack] = [MigrationTable.StableOld, MigrationTable.ReadOldWriteBoth],
        [MigrationPhase.RolledBack] = [MigrationTable.StableOld],
    }.ToFrozenDictionary();

    /// <summary>True for the phases a cancel can still roll back from.</summary>
    public static bool CanCancel(MigrationPhase phase) =>
        phase is MigrationPhase.Planned or MigrationPhase.ScalingOut or MigrationPhase.Copying or MigrationPhase.Verifying;

    public static bool IsTerminal(MigrationPhase phase) => phase is MigrationPhase.Done or MigrationPhase.RolledBack;

    public static MigrationDecision Decide(MigrationPhase phase, MigrationFacts facts)
    {
        if (IsTerminal(phase))
        {
            return new MigrationDecision(phase, MigrationAction.None, phase == MigrationPhase.Done
                ? "migration is done"
                : "migration was rolled back");
        }

        if (!AllowedTables[phase].Contains(facts.Published))
        {
            return Stay(phase, MigrationActionKind.Halt,
                $"inconsistent state: routing table {facts.Published} (v{facts.PublishedVersion}) is published while the migration is {phase}, which allows only {string.Join(" or ", AllowedTables[phase])}; halting without changes");
        }

        if (facts.CancelRequested && phase != MigrationPhase.RollingBack)
        {
            if (phase == MigrationPhase.Planned)
            {
                return new MigrationDecision(MigrationPhase.RolledBack, MigrationAction.None, "cancelled before anything changed");
            }

            if (CanCancel(phase))
            {
                var rollback = RollingBack(facts);
                return rollback with { Message = $"cancel requested in {phase}: rolling back; {rollback.Message}" };
            }

            var proceed = Proceed(phase, facts);
            return proceed with
            {
                CancelRefused = true,
                Message = $"cancel refused in {phase}: the cut-over has begun, so routers read (and from ReadNewWriteNew on, write only) the new owners and the old owners may miss acknowledged writes; a rollback could lose them. The migration continues to Done; change spec.shards back afterwards to move the cells back. {proceed.Message}",
            };
        }

        return Proceed(phase, facts);
    }

    private static MigrationDecision Proceed(MigrationPhase phase, MigrationFacts facts)
    {
        if (facts.Error is not null)
        {
            return Stay(phase, MigrationActionKind.RetryAfterError, $"{phase} step failed, retrying after backoff: {facts.Error}");
        }

        return phase switch
        {
            MigrationPhase.Planned => new MigrationDecision(MigrationPhase.ScalingOut, MigrationAction.Of(MigrationActionKind.ScaleOut), "scaling out: creating the new shards"),
            MigrationPhase.ScalingOut => ScalingOut(facts),
            MigrationPhase.Copying => Copying(facts),
            MigrationPhase.Verifying => Verifying(facts),
            MigrationPhase.CuttingOver => CuttingOver(facts),
            MigrationPhase.Finalizing => Finalizing(facts),
            MigrationPhase.CleaningUp => CleaningUp(facts),
            MigrationPhase.RollingBack => RollingBack(facts),
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown migration phase"),
        };
    }

    private static MigrationDecision ScalingOut(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.ScalingOut;
        if (facts.AddsShards && !facts.NewShardsReady)
        {
            return Stay(phase, MigrationActionKind.ScaleOut, "waiting for the new shards to be ready");
        }

        if (facts.Published == MigrationTable.StableOld)
        {
            return Stay(phase, MigrationAction.Publish(MigrationTable.ReadOldWriteBoth), "publishing ReadOldWriteBoth so every write reaches old and new owners before copying");
        }

        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        return new MigrationDecision(MigrationPhase.Copying, MigrationAction.Of(MigrationActionKind.CopyBatch), "every router writes both owners: copying");
    }

    private static MigrationDecision Copying(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.Copying;
        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        return facts.CopyComplete
            ? new MigrationDecision(MigrationPhase.Verifying, MigrationAction.Of(MigrationActionKind.VerifyPass), "copy complete: verifying")
            : Stay(phase, MigrationActionKind.CopyBatch, "copying the next batch");
    }

    private static MigrationDecision Verifying(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.Verifying;
        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        return facts.LastVerifyPassClean
            ? new MigrationDecision(MigrationPhase.CuttingOver, MigrationAction.Publish(MigrationTable.ReadNewWriteBoth), "verify pass clean: cutting reads over to the new owners")
            : Stay(phase, MigrationActionKind.VerifyPass, "the last verify pass repaired differences (or none ran yet): verifying again");
    }

    private static MigrationDecision CuttingOver(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.CuttingOver;
        if (facts.Published == MigrationTable.ReadOldWriteBoth)
        {
            return Stay(phase, MigrationAction.Publish(MigrationTable.ReadNewWriteBoth), "publishing ReadNewWriteBoth");
        }

        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        return new MigrationDecision(MigrationPhase.Finalizing, MigrationAction.Publish(MigrationTable.ReadNewWriteNew), "every router reads the new owners: writing the new owners only");
    }

    private static MigrationDecision Finalizing(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.Finalizing;
        if (facts.Published == MigrationTable.ReadNewWriteBoth)
        {
            return Stay(phase, MigrationAction.Publish(MigrationTable.ReadNewWriteNew), "publishing ReadNewWriteNew");
        }

        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        return new MigrationDecision(MigrationPhase.CleaningUp, MigrationAction.Of(MigrationActionKind.DeleteMovedCellsFromSources), "no router writes the old owners any more: deleting moved cells from the sources");
    }

    private static MigrationDecision CleaningUp(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.CleaningUp;

        // No router may still write a source when its copies are deleted, or a late write would leave a stale copy.
        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        if (!facts.SourceCleanupComplete)
        {
            return Stay(phase, MigrationActionKind.DeleteMovedCellsFromSources, "deleting moved cells from the sources");
        }

        if (facts.Published == MigrationTable.ReadNewWriteNew)
        {
            return Stay(phase, MigrationAction.Publish(MigrationTable.StableNew), "sources clean: publishing the stable table with the new ownership");
        }

        if (facts.DrainsShards && !facts.DrainedShardsRemoved)
        {
            return Stay(phase, MigrationActionKind.RemoveDrainedShards, "removing the drained shards");
        }

        return new MigrationDecision(MigrationPhase.Done, MigrationAction.None, "migration done");
    }

    private static MigrationDecision RollingBack(MigrationFacts facts)
    {
        const MigrationPhase phase = MigrationPhase.RollingBack;
        if (facts.Published == MigrationTable.ReadOldWriteBoth)
        {
            return Stay(phase, MigrationAction.Publish(MigrationTable.StableOld), "publishing the old ownership again with a higher version");
        }

        // Targets may only be cleaned once no router writes them any more.
        if (!facts.RoutersAcked)
        {
            return WaitForAcks(phase, facts);
        }

        if (!facts.TargetCleanupComplete)
        {
            return Stay(phase, MigrationActionKind.DeleteCopiedCellsFromTargets, "deleting the copied cells from the targets");
        }

        if (facts.AddsShards && !facts.AddedShardsRemoved)
        {
            return Stay(phase, MigrationActionKind.RemoveAddedShards, "removing the shards added for this migration");
        }

        return new MigrationDecision(MigrationPhase.RolledBack, MigrationAction.None, "rolled back to the old ownership");
    }

    private static MigrationDecision WaitForAcks(MigrationPhase phase, MigrationFacts facts) =>
        Stay(phase, MigrationAction.WaitForAcks(facts.PublishedVersion),
            $"waiting until every ready router serves routing version {facts.PublishedVersion} (all have {facts.AckedVersion})");

    private static MigrationDecision Stay(MigrationPhase phase, MigrationActionKind kind, string message) =>
        new(phase, MigrationAction.Of(kind), message);

    private static MigrationDecision Stay(MigrationPhase phase, MigrationAction action, string message) =>
        new(phase, action, message);
}
