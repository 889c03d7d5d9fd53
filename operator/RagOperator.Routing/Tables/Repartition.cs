namespace RagOperator.Routing;

/// <summary>
/// The partition a re-partitioning migration moves to: another cell assigner (a new training, or the first one after
/// the provisional hash routing) and which shard owns each of its cells. During such a migration every point has an
/// owner under the table's own assigner and ownership (old) and one under this (new); the rule in force says which one
/// reads and which ones are written, exactly as for a migration of whole cells.
/// </summary>
public sealed record Repartition(CellAssigner Assigner, CellAssignment Ownership);
