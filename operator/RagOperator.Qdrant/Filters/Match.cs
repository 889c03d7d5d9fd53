namespace RagOperator.Qdrant.Filters;

public enum MatchKind
{
    Value,
    Any,
    Except,
}

/// <summary>
/// Qdrant's <c>match</c>: <c>{"value": v}</c> (keyword, integer or bool), <c>{"any": [...]}</c> or
/// <c>{"except": [...]}</c> (all keywords or all integers). Array payload values match when any element matches.
/// </summary>
public sealed record Match
{
    private Match()
    {
    }

    public MatchKind Kind { get; private init; }
    public string? Keyword { get; private init; }
    public long? Integer { get; private init; }
    public bool? Boolean { get; private init; }
    public IReadOnlyList<string>? Keywords { get; private init; }
    public IReadOnlyList<long>? Integers { get; private init; }

    public static Match Value(string keyword) => new() { Kind = MatchKind.Value, Keyword = keyword };

    public static Match Value(long integer) => new() { Kind = MatchKind.Value, Integer = integer };

    public static Match Value(bool boolean) => new() { Kind = MatchKind.Value, Boolean = boolean };

    public static Match Any(IEnumerable<string> keywords) => new() { Kind = MatchKind.Any, Keywords = keywords.ToArray() };

    public static Match Any(IEnumerable<long> integers) => new() { Kind = MatchKind.Any, Integers = integers.ToArray() };

    public static Match Except(IEnumerable<string> keywords) => new() { Kind = MatchKind.Except, Keywords = keywords.ToArray() };

    public static Match Except(IEnumerable<long> integers) => new() { Kind = MatchKind.Except, Integers = integers.ToArray() };
}
