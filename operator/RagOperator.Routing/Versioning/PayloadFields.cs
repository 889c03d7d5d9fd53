namespace RagOperator.Routing;

/// <summary>
/// Payload fields the router stamps on every point, so that a migration can select a cell's points with a payload
/// filter and compare write versions between copies.
/// </summary>
public static class PayloadFields
{
    /// <summary>
    /// The point's cell key (integer): the cell for hash tables; generation × 2^20 + cell for semantic ones
    /// (<see cref="CellAssigner.Key"/>).
    /// </summary>
    public const string Cell = "_rag_cell";

    /// <summary>
    /// Stamped only while a re-partition runs: the key of the point's cell under the old partition (while
    /// <see cref="Cell"/> holds the key under the new one), so reads from the old owners can still select it.
    /// </summary>
    public const string PreviousCell = "_rag_prev_cell";

    /// <summary>The point's write version (64-bit integer from <see cref="HybridLogicalClock"/>).</summary>
    public const string Version = "_rag_v";
}
