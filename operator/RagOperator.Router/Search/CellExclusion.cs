using RagOperator.Qdrant.Filters;
using RagOperator.Routing;

namespace RagOperator.Router.Search;

/// <summary>
/// Builds the filter a shard is searched with: the client's filter AND "the point's <c>_rag_cell</c> is none of the
/// excluded cells". The exclusion is appended to the client filter's <c>must_not</c> clause, which is the same
/// as AND-ing it (a point passes when none of the must_not conditions holds) without nesting the client's filter.
/// Excluded ranges become one <c>range</c> condition each (gte/lte), except short ones (up to
/// <see cref="MaxListedRange"/> cells), whose cells are gathered into one <c>match.any</c> list.
/// </summary>
public static class CellExclusion
{
    public const int MaxListedRange = 16;

    public static Filter? Apply(Filter? clientFilter, CellSet excluded)
    {
        if (excluded.IsEmpty)
        {
            return clientFilter;
        }

        var conditions = Conditions(excluded);
        return clientFilter is null
            ? new Filter { MustNot = conditions }
            : clientFilter with { MustNot = [.. clientFilter.MustNot ?? [], .. conditions] };
    }

    public static IReadOnlyList<Condition> Conditions(CellSet excluded)
    {
        var conditions = new List<Condition>();
        var listed = new List<long>();
        foreach (var range in excluded.Ranges)
        {
            if (range.Count <= MaxListedRange)
            {
                for (var cell = range.Start; cell <= range.End; cell++)
                {
                    listed.Add(cell);
                }
            }
            else
            {
                conditions.Add(Qdrant.Filters.Conditions.Range(PayloadFields.Cell, gte: range.Start, lte: range.End));
            }
        }

        if (listed.Count > 0)
        {
            conditions.Add(Qdrant.Filters.Conditions.MatchAny(PayloadFields.Cell, listed));
        }

        return conditions;
    }
}
