using RagOperator.Qdrant.Filters;
using RagOperator.Routing;

namespace RagOperator.Router.Search;

/// <summary>
/// Builds the filter a shard is searched with: the client's filter AND "the point's <c>_rag_cell</c> is none of the
/// excluded cells". The exclusion is appended to the client filter's <c>must_not</c> clause, which is the same
/// as AND-ing it (a point passes when none of the must_not conditions holds) without nesting the client's filter.
/// Excluded ranges become one <c>range</c> condition each (gte/lte), except short ones (up to
/// <see cref="MaxListedRange"/> cells), whose cells are gathered into one <c>match.any</c> list. Cells are written as
/// their keys (<c>offset + cell</c>, see <see cref="CellAssigner.Key"/>).
/// <para>During a re-partition a shard read also carries <see cref="ShardRead.IncludeAny"/>: the point must match one of
/// those key conditions, which becomes one more <c>must</c> entry holding a nested <c>should</c>.</para>
/// </summary>
public static class CellExclusion
{
    public const int MaxListedRange = 16;

    public static Filter? Apply(Filter? clientFilter, CellSet excluded) => Apply(clientFilter, excluded, 0);

    /// <summary>The filter a shard of the read plan is searched with.</summary>
    public static Filter? Apply(Filter? clientFilter, ShardRead read)
    {
        var filter = Apply(clientFilter, read.ExcludeCells, read.KeyOffset);
        if (!read.HasInclude)
        {
            return filter;
        }

        var include = new FilterCondition(new Filter { Should = [.. read.IncludeAny.SelectMany(c => Conditions(c.Cells, c.KeyOffset, c.Field))] });
        return filter is null ? new Filter { Must = [include] } : filter with { Must = [.. filter.Must ?? [], include] };
    }

    public static Filter? Apply(Filter? clientFilter, CellSet excluded, long keyOffset)
    {
        if (excluded.IsEmpty)
        {
            return clientFilter;
        }

        var conditions = Conditions(excluded, keyOffset);
        return clientFilter is null
            ? new Filter { MustNot = conditions }
            : clientFilter with { MustNot = [.. clientFilter.MustNot ?? [], .. conditions] };
    }

    public static IReadOnlyList<Condition> Conditions(CellSet excluded) => Conditions(excluded, 0);

    /// <summary>Conditions that hold for a point whose <paramref name="field"/> is the key of one of <paramref name="cells"/>.</summary>
    public static IReadOnlyList<Condition> Conditions(CellSet cells, long keyOffset, string field = PayloadFields.Cell)
    {
        var conditions = new List<Condition>();
        var listed = new List<long>();
        foreach (var range in cells.Ranges)
        {
            if (range.Count <= MaxListedRange)
            {
                for (var cell = range.Start; cell <= range.End; cell++)
                {
                    listed.Add(keyOffset + cell);
                }
            }
            else
            {
                conditions.Add(Qdrant.Filters.Conditions.Range(field, gte: keyOffset + range.Start, lte: keyOffset + range.End));
            }
        }

        if (listed.Count > 0)
        {
            conditions.Add(Qdrant.Filters.Conditions.MatchAny(field, listed));
        }

        return conditions;
    }
}
