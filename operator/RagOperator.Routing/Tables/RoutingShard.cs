namespace RagOperator.Routing;

/// <summary>
/// One shard of a routing table: its id, its Qdrant endpoint, and the cells it owns. During a migration
/// <see cref="Cells"/> is the ownership before the migration; the moves give the new owners.
/// </summary>
public sealed record RoutingShard(int Id, string Endpoint, CellSet Cells);
