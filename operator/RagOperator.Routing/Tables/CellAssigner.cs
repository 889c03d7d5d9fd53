using System.Text.Json;

namespace RagOperator.Routing;

/// <summary>
/// The sharding strategy's half of routing: which cell a point belongs to and which cells a query must probe.
/// Cells are then owned by shards through the routing table, identically for every strategy. The hash strategy
/// is <see cref="HashCellAssigner"/>; the semantic strategy (cells are k-means centroids, a point's cell is its
/// nearest centroid, a query probes its nprobe nearest cells) is <see cref="SemanticCellAssigner"/>.
/// </summary>
public abstract class CellAssigner
{
    /// <summary>Cells are below 2^KeyBits in every strategy, so a key is a generation above the cell bits.</summary>
    public const int KeyBits = 20;

    /// <summary>The strategy name written in the table's <c>strategy</c> field.</summary>
    public abstract string Strategy { get; }

    /// <summary>Number of cells; cells are numbered 0..CellCount-1.</summary>
    public abstract int CellCount { get; }

    /// <summary>
    /// True when a point's cell depends on its vector; then a delete by id alone cannot be routed to one cell.
    /// </summary>
    public abstract bool CellDependsOnVector { get; }

    /// <summary>The cell of a point; strategies that ignore the vector accept an empty one.</summary>
    public abstract int CellOf(PointKey id, ReadOnlySpan<float> vector);

    /// <summary>The cells a query vector must look into.</summary>
    public abstract CellSet CellsToProbe(ReadOnlySpan<float> query);

    /// <summary>The cells a query looks into when the request names how many nearest cells to probe (semantic nprobe).</summary>
    public virtual CellSet CellsToProbe(ReadOnlySpan<float> query, int? nprobe) => CellsToProbe(query);

    /// <summary>
    /// Added to a cell to give the value stamped in <c>_rag_cell</c> and matched by cell filters: 0 for hash, the
    /// generation above <see cref="KeyBits"/> for semantic, so the cells of two partitions never share a key.
    /// </summary>
    public virtual long KeyOffset => 0;

    /// <summary>The payload key of a cell (<see cref="KeyOffset"/> + cell).</summary>
    public long Key(int cell) => KeyOffset + cell;

    /// <summary>Writes the strategy's parameter object (the value of the property named <see cref="Strategy"/>).</summary>
    public abstract void WriteParameters(Utf8JsonWriter writer);

    /// <summary>True when both put every point in the same cell, so a table can replace the other's in place.</summary>
    public abstract bool IsEquivalentTo(CellAssigner other);
}
