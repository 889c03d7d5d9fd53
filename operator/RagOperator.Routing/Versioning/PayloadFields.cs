namespace RagOperator.Routing;

/// <summary>
/// Payload fields the router stamps on every point, so that a migration can select a cell's points with a payload
/// filter and compare write versions between copies.
/// </summary>
public static class PayloadFields
{
    /// <summary>The point's cell (integer).</summary>
    public const string Cell = "_rag_cell";

    /// <summary>The point's write version (64-bit integer from <see cref="HybridLogicalClock"/>).</summary>
    public const string Version = "_rag_v";
}
