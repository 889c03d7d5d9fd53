namespace RagOperator.Routing;

/// <summary>
/// Phases of a stream migration, in order: Planned → ScalingOut → Copying → Verifying → CuttingOver → Finalizing
/// → CleaningUp → Done; a cancel before the cut-over goes RollingBack → RolledBack.
/// </summary>
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

/// <summary>
/// Which routing table of the migration is published, in publishing order. <see cref="StableOld"/> is the table
/// before the migration and also the rollback table (same ownership, higher version).
/// </summary>
public enum MigrationTable
{
    StableOld,
    ReadOldWriteBoth,
    ReadNewWriteBoth,
    ReadNewWriteNew,
    StableNew,
}
