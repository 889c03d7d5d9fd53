namespace RagOperator.Routing;

/// <summary>
/// The read/write rule a routing table imposes on the cells it moves (cells that do not move are always read and
/// written on their single owner).
/// </summary>
public enum MigrationRule
{
    /// <summary>Read the old owner; write the old and the new owner. In force while cells are copied and verified.</summary>
    ReadOldWriteBoth,

    /// <summary>Read the new owner; still write both, so the old owner stays complete until every router reads new.</summary>
    ReadNewWriteBoth,

    /// <summary>
    /// Read and write the new owner only. The old owners keep stale copies until cleanup deletes them, so reads
    /// still exclude the moved cells on the sources.
    /// </summary>
    ReadNewWriteNew,
}
