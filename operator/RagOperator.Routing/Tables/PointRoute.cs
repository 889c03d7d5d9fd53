using System.Collections.Immutable;

namespace RagOperator.Routing;

/// <summary>
/// Where one point is written and what it is stamped with.
/// </summary>
/// <param name="Cell">The point's cell under the partition it is stamped for (the next one during a re-partition).</param>
/// <param name="CellKey">The value of <c>_rag_cell</c> (<see cref="CellAssigner.Key"/>).</param>
/// <param name="PreviousCellKey">During a re-partition, the value of <c>_rag_prev_cell</c>: the key of the point's cell under
/// the old partition, so that reads from the old owners can still select it; null otherwise.</param>
/// <param name="Targets">The shards that must acknowledge the write (old owner first when there are two).</param>
public sealed record PointRoute(int Cell, long CellKey, long? PreviousCellKey, ImmutableArray<int> Targets);
