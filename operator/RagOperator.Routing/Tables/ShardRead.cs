namespace RagOperator.Routing;

/// <summary>
/// One shard a search must query, and the cells whose points must be filtered out of its results (for example
/// with a <c>must_not</c> match on <c>_rag_cell</c>) because the shard holds copies that are not the ones to read.
/// </summary>
public sealed record ShardRead(int ShardId, string Endpoint, CellSet ExcludeCells);
