using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Filtering;

internal enum MatchKind
{
    Value,
    Any,
    Except,
}

/// <summary>A compiled <c>match</c>: keyword, integer or bool value, or any/except over keywords or integers.</summary>
internal sealed class MatchSpec
{
    public required MatchKind Kind { get; init; }
    public string? Keyword { get; init; }
    public long? Integer { get; init; }
    public bool? Boolean { get; init; }
    public HashSet<string>? Keywords { get; init; }
    public HashSet<long>? Integers { get; init; }

    /// <summary>Qdrant's <c>check_match</c> for one (non-array-expanded) value.</summary>
    public bool Check(PayloadValue value) => Kind switch
    {
        MatchKind.Value => value switch
        {
            PayloadString text => Keyword is not null && text.Value == Keyword,
            PayloadNumber number => Integer is { } integer && number.Integer == integer,
            PayloadBool flag => Boolean is { } boolean && flag.Value == boolean,
            _ => false,
        },
        MatchKind.Any => value switch
        {
            PayloadString text => Keywords?.Contains(text.Value) ?? false,
            PayloadNumber { Integer: { } integer } => Integers?.Contains(integer) ?? false,
            _ => false,
        },
        _ => value switch
        {
            // "except": a value of another type than the list counts as "not in the list"; null never matches.
            PayloadString text => Keywords is null || !Keywords.Contains(text.Value),
            PayloadNumber number => Integers is null || number.Integer is not { } integer || !Integers.Contains(integer),
            PayloadNull => false,
            _ => true,
        },
    };
}

internal sealed class RangeSpec
{
    public double? Lt { get; init; }
    public double? Gt { get; init; }
    public double? Lte { get; init; }
    public double? Gte { get; init; }

    public bool Check(PayloadValue value) =>
        value is PayloadNumber number &&
        (Lt is not { } lt || number.Double < lt) &&
        (Gt is not { } gt || number.Double > gt) &&
        (Lte is not { } lte || number.Double <= lte) &&
        (Gte is not { } gte || number.Double >= gte);
}

/// <summary>
/// A field condition (<c>{"key": k, "match"|"range"|"is_empty"|"is_null": ...}</c>) with Qdrant's semantics:
/// no value at k → false (or the is_empty/is_null answer for absence); otherwise true when some value passes,
/// an array value passing when some element passes. Several checks in one condition are OR-ed, as in Qdrant.
/// </summary>
internal sealed class FieldConditionNode(PayloadPath path, MatchSpec? match, RangeSpec? range, bool? isEmpty, bool? isNull) : FilterNode
{
    public override bool Matches(PointKey id, PayloadObject payload)
    {
        var values = FieldValues.Of(path, payload);
        if (values.Count == 0)
        {
            return isEmpty ?? (isNull is { } nullExpected ? !nullExpected : false);
        }

        foreach (var value in values)
        {
            if (Check(value))
            {
                return true;
            }
        }

        return false;
    }

    private bool Check(PayloadValue value)
    {
        if (isEmpty is { } emptyExpected)
        {
            return value switch
            {
                PayloadNull => emptyExpected,
                PayloadArray array => (array.Items.Count == 0) == emptyExpected,
                _ => !emptyExpected,
            };
        }

        if (isNull is { } nullExpected)
        {
            return value switch
            {
                PayloadNull => nullExpected,
                PayloadArray array => array.Items.Any(item => item is PayloadNull) == nullExpected,
                _ => !nullExpected,
            };
        }

        if (value is PayloadArray elements)
        {
            return elements.Items.Any(CheckOne);
        }

        return CheckOne(value);
    }

    private bool CheckOne(PayloadValue value) =>
        (match?.Check(value) ?? false) || (range?.Check(value) ?? false);
}
