using System.Text.Json.Nodes;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>
/// The Qdrant filters the migration sends, built from the payload fields the router stamps on every point
/// (<see cref="PayloadFields.Cell"/>, <see cref="PayloadFields.Version"/>).
/// </summary>
public static class MigrationFilters
{
    /// <summary>
    /// The points of some cells: a <c>should</c> of one condition per range of the set (<c>range gte/lte</c> on
    /// <c>_rag_cell</c>, or <c>match</c> for a single cell). Cell numbers are below 2^20, so the float bounds of a
    /// range are exact. Cells are matched by key: <paramref name="keyOffset"/> + cell (the table's
    /// <see cref="CellAssigner.KeyOffset"/>: 0 for hash, the generation above bit 20 for semantic); keys stay below
    /// 2^31, so they are exact too. <paramref name="field"/> is <c>_rag_cell</c>, or <c>_rag_prev_cell</c> for the old
    /// keys of a re-partition.
    /// </summary>
    public static Filter Cells(CellSet cells, long keyOffset = 0, string field = PayloadFields.Cell)
    {
        if (cells.IsEmpty) throw new ArgumentException("a migration filter needs at least one cell", nameof(cells));
        return Filter.Any([.. cells.Ranges.Select(range => range.Count == 1
            ? (Condition)Conditions.Match(field, keyOffset + range.Start)
            : Conditions.Range(field, gte: keyOffset + range.Start, lte: keyOffset + range.End))]);
    }

    /// <summary>
    /// Points written before <paramref name="watermark"/> (or without a write version). Used only to bound a scan, never
    /// as a guard: the float comparison Qdrant makes near the watermark may go either way, and the verify pass catches
    /// a point the scan left out.
    /// </summary>
    public static Filter WrittenBefore(long watermark) => Filter.Any(
        Conditions.Range(PayloadFields.Version, lt: watermark),
        Conditions.IsEmpty(PayloadFields.Version));

    /// <summary>
    /// A compare-and-swap guard for an upsert (Qdrant's <c>update_filter</c>): an existing point is replaced only if
    /// its <c>_rag_v</c> is still exactly the version seen when the decision to write was taken (or, for a point that
    /// was absent, if it still has no version). Points that do not exist are inserted either way, as Qdrant does with
    /// <c>update_filter</c>. So a write the router made in between — always a newer version — is never overwritten.
    /// <para>Exact integer matches rather than a <c>range lt</c>: Qdrant evaluates ranges in 64-bit floats, which
    /// cannot tell apart write versions above 2^53 that differ only in their low bits.</para>
    /// </summary>
    public static Filter UnchangedSince(IEnumerable<(PointId Id, long? Version)> seen) =>
        Filter.Any([.. seen.Select(point => (Condition)new FilterCondition(Filter.All(
            Conditions.HasId([point.Id]),
            point.Version is { } version ? Conditions.Match(PayloadFields.Version, version) : Conditions.IsEmpty(PayloadFields.Version))))]);

    /// <summary>
    /// The delete guard of a verify repair: the point with this id, only while it still holds the version seen.
    /// The protocol states it as <c>has_id AND _rag_v &lt;= seen</c>; versions stored on a point only grow, so
    /// "at most the version seen" is "exactly the version seen", and the exact match avoids float rounding.
    /// </summary>
    public static Filter StillAt(PointId id, long? version) => Filter.All(
        Conditions.HasId([id]),
        version is { } v ? Conditions.Match(PayloadFields.Version, v) : Conditions.IsEmpty(PayloadFields.Version));

    /// <summary>The write version stamped on a point; null when the payload has none.</summary>
    public static long? VersionOf(JsonObject? payload) =>
        payload?[PayloadFields.Version] is JsonValue value && value.TryGetValue<long>(out var version) ? version : null;
}
