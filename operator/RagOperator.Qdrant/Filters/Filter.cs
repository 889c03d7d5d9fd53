using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Filters;

/// <summary>
/// A Qdrant payload filter. A point passes when <b>all</b> <see cref="Must"/> conditions hold, <b>at least one</b>
/// <see cref="Should"/> condition holds (an empty list matches nothing, as in Qdrant), <see cref="MinShould"/> is met,
/// and <b>none</b> of <see cref="MustNot"/> holds. Unset clauses do not constrain.
/// </summary>
[JsonConverter(typeof(FilterJsonConverter))]
public sealed record Filter
{
    public IReadOnlyList<Condition>? Must { get; init; }
    public IReadOnlyList<Condition>? Should { get; init; }
    public IReadOnlyList<Condition>? MustNot { get; init; }
    public MinShould? MinShould { get; init; }

    public static Filter All(params Condition[] conditions) => new() { Must = conditions };

    public static Filter Any(params Condition[] conditions) => new() { Should = conditions };

    public static Filter None(params Condition[] conditions) => new() { MustNot = conditions };

    /// <summary>This filter and another: both must hold.</summary>
    public Filter And(Filter other) => new() { Must = [new FilterCondition(this), new FilterCondition(other)] };

    /// <summary>This filter with one more <c>must</c> condition.</summary>
    public Filter AndMust(Condition condition) => this with { Must = [.. Must ?? [], condition] };
}

public sealed record MinShould(IReadOnlyList<Condition> Conditions, ulong MinCount);

/// <summary>One condition of a filter; Qdrant's JSON for it is an untagged union, see <see cref="ConditionJsonConverter"/>.</summary>
[JsonConverter(typeof(ConditionJsonConverter))]
public abstract record Condition
{
    // Closed hierarchy: only this assembly defines conditions, so the converter can be exhaustive.
    private protected Condition()
    {
    }
}

/// <summary>A condition on one payload key (dot paths such as <c>meta.lang</c> reach into objects).</summary>
public sealed record FieldCondition(string Key) : Condition
{
    public Match? Match { get; init; }
    public ValueRange? Range { get; init; }

    /// <summary>The <c>is_empty: bool</c> form inside a field condition.</summary>
    public bool? IsEmpty { get; init; }

    public bool? IsNull { get; init; }
}

/// <summary>Numeric range; each bound optional.</summary>
public sealed record ValueRange
{
    public double? Gt { get; init; }
    public double? Gte { get; init; }
    public double? Lt { get; init; }
    public double? Lte { get; init; }
}

/// <summary>Matches points whose id is in the set.</summary>
public sealed record HasIdCondition(IReadOnlyList<PointId> HasId) : Condition;

/// <summary>Matches points where the key is missing, null or an empty array.</summary>
public sealed record IsEmptyCondition(string Key) : Condition;

/// <summary>Matches points where the key is null.</summary>
public sealed record IsNullCondition(string Key) : Condition;

/// <summary>A whole filter used as one condition (nesting of must/should/must_not).</summary>
public sealed record FilterCondition(Filter Filter) : Condition;

/// <summary>Qdrant's <c>nested</c> condition: some object of the array at <see cref="Key"/> satisfies <see cref="Filter"/>.</summary>
public sealed record NestedCondition(string Key, Filter Filter) : Condition;

/// <summary>Convenience constructors for the conditions the operator and router build.</summary>
public static class Conditions
{
    public static FieldCondition Match(string key, long value) => new(key) { Match = Filters.Match.Value(value) };

    public static FieldCondition Match(string key, string value) => new(key) { Match = Filters.Match.Value(value) };

    public static FieldCondition Match(string key, bool value) => new(key) { Match = Filters.Match.Value(value) };

    public static FieldCondition MatchAny(string key, IEnumerable<long> values) => new(key) { Match = Filters.Match.Any(values) };

    public static FieldCondition MatchAny(string key, IEnumerable<string> values) => new(key) { Match = Filters.Match.Any(values) };

    public static FieldCondition MatchExcept(string key, IEnumerable<long> values) => new(key) { Match = Filters.Match.Except(values) };

    public static FieldCondition MatchExcept(string key, IEnumerable<string> values) => new(key) { Match = Filters.Match.Except(values) };

    public static FieldCondition Range(string key, double? gte = null, double? lt = null, double? gt = null, double? lte = null) =>
        new(key) { Range = new ValueRange { Gte = gte, Lt = lt, Gt = gt, Lte = lte } };

    public static HasIdCondition HasId(IEnumerable<PointId> ids) => new(ids.ToArray());

    public static IsEmptyCondition IsEmpty(string key) => new(key);

    public static IsNullCondition IsNull(string key) => new(key);

    public static FilterCondition Nested(Filter filter) => new(filter);
}
