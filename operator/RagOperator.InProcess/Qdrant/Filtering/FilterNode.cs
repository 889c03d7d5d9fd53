using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Filtering;

/// <summary>A compiled filter condition, evaluated against one point's id and payload.</summary>
internal abstract class FilterNode
{
    public abstract bool Matches(PointKey id, PayloadObject payload);
}

/// <summary>must / should / must_not / min_should, with Qdrant's semantics (an empty <c>should</c> matches nothing).</summary>
internal sealed class BooleanFilter(
    FilterNode[]? must, FilterNode[]? should, FilterNode[]? mustNot, FilterNode[]? minShould, int minCount) : FilterNode
{
    public override bool Matches(PointKey id, PayloadObject payload)
    {
        if (should is not null && !should.Any(node => node.Matches(id, payload)))
        {
            return false;
        }

        if (minShould is not null && minShould.Count(node => node.Matches(id, payload)) < minCount)
        {
            return false;
        }

        if (must is not null && !must.All(node => node.Matches(id, payload)))
        {
            return false;
        }

        return mustNot is null || !mustNot.Any(node => node.Matches(id, payload));
    }
}

internal sealed class HasIdNode(HashSet<PointKey> ids) : FilterNode
{
    public override bool Matches(PointKey id, PayloadObject payload) => ids.Contains(id);
}

/// <summary>Top-level <c>{"is_empty": {"key": k}}</c>: every value at k is null or an empty array (true when absent).</summary>
internal sealed class IsEmptyNode(PayloadPath path) : FilterNode
{
    public override bool Matches(PointKey id, PayloadObject payload) =>
        FieldValues.Of(path, payload).All(value => value is PayloadNull || value is PayloadArray { Items.Count: 0 });
}

/// <summary>Top-level <c>{"is_null": {"key": k}}</c>: some value at k is null.</summary>
internal sealed class IsNullNode(PayloadPath path) : FilterNode
{
    public override bool Matches(PointKey id, PayloadObject payload) =>
        FieldValues.Of(path, payload).Any(value => value is PayloadNull);
}

/// <summary><c>{"nested": {"key": k, "filter": f}}</c>: some object of the array at k satisfies f on its own.</summary>
internal sealed class NestedNode(PayloadPath arrayPath, FilterNode filter) : FilterNode
{
    public override bool Matches(PointKey id, PayloadObject payload) =>
        FieldValues.Of(arrayPath, payload)
            .SelectMany(value => value is PayloadArray array ? array.Items : [value])
            .OfType<PayloadObject>()
            // has_id inside a nested filter never matches (Qdrant does not support it there either).
            .Any(element => filter.Matches(NestedId, element));

    private static readonly PointKey NestedId = new(true, UInt128.MaxValue);
}

internal static class FieldValues
{
    private static readonly PayloadValue[] None = [];

    public static IReadOnlyList<PayloadValue> Of(PayloadPath path, PayloadObject payload)
    {
        if (path.SimpleKey is { } key)
        {
            return payload.Get(key) is { } value ? [value] : None;
        }

        return path.Find(payload);
    }
}
