using System.Text.Json;
using RagOperator.InProcess.Qdrant.Storage;

namespace RagOperator.InProcess.Qdrant.Filtering;

/// <summary>
/// Turns Qdrant's filter JSON into <see cref="FilterNode"/>s, with Qdrant's parsing rules: a clause is one condition
/// or an array of them; a condition is told apart by its keys (<c>key</c>, <c>is_empty</c>, <c>is_null</c>,
/// <c>has_id</c>, <c>nested</c>, else a nested filter); a filter has no other keys than must, should, must_not,
/// min_should. Geo, values_count, full-text, datetime-range and has_vector conditions are refused as unsupported.
/// </summary>
internal static class FilterCompiler
{
    private static readonly string[] FilterKeys = ["must", "should", "must_not", "min_should"];

    public static FilterNode? CompileOptional(JsonElement body, string property, string path)
    {
        if (!body.TryGetProperty(property, out var filter) || filter.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return Compile(filter, path);
    }

    public static FilterNode Compile(JsonElement filter, string path)
    {
        if (filter.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format($"invalid type: expected struct Filter at `{path}`");
        }

        FilterNode[]? must = null, should = null, mustNot = null, minShould = null;
        var minCount = 0;
        foreach (var property in filter.EnumerateObject())
        {
            switch (property.Name)
            {
                case "must":
                    must = CompileClause(property.Value, $"{path}.must");
                    break;
                case "should":
                    should = CompileClause(property.Value, $"{path}.should");
                    break;
                case "must_not":
                    mustNot = CompileClause(property.Value, $"{path}.must_not");
                    break;
                case "min_should" when property.Value.ValueKind != JsonValueKind.Null:
                    var conditions = property.Value.TryGetProperty("conditions", out var list)
                        ? list
                        : throw QdrantHttpError.Format("missing field `conditions`");
                    minShould = CompileClause(conditions, $"{path}.min_should.conditions");
                    minCount = property.Value.TryGetProperty("min_count", out var count) && count.TryGetInt32(out var parsed) && parsed >= 1
                        ? parsed
                        : throw QdrantHttpError.Validation($"{path}.min_should.min_count", "value invalid, must be 1 or larger");
                    break;
                case "min_should":
                    break;
                default:
                    throw QdrantHttpError.Format(
                        $"unknown field `{property.Name}`, expected one of {string.Join(", ", FilterKeys.Select(key => $"`{key}`"))}");
            }
        }

        return new BooleanFilter(must, should, mustNot, minShould, minCount);
    }

    private static FilterNode[]? CompileClause(JsonElement clause, string path) => clause.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Array => clause.EnumerateArray().Select((item, i) => CompileCondition(item, $"{path}[{i}]")).ToArray(),
        _ => [CompileCondition(clause, path)],
    };

    private static FilterNode CompileCondition(JsonElement condition, string path)
    {
        if (condition.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum Condition");
        }

        if (condition.TryGetProperty("key", out var key))
        {
            return CompileFieldCondition(condition, key, path);
        }

        if (condition.TryGetProperty("is_empty", out var isEmpty))
        {
            return new IsEmptyNode(ReadPayloadField(isEmpty));
        }

        if (condition.TryGetProperty("is_null", out var isNull))
        {
            return new IsNullNode(ReadPayloadField(isNull));
        }

        if (condition.TryGetProperty("has_id", out var hasId))
        {
            if (hasId.ValueKind != JsonValueKind.Array)
            {
                throw QdrantHttpError.Format("invalid type: expected a sequence for `has_id`");
            }

            return new HasIdNode(hasId.EnumerateArray().Select(PointKey.Read).ToHashSet());
        }

        if (condition.TryGetProperty("has_vector", out _))
        {
            throw QdrantHttpError.Unsupported("The has_vector condition");
        }

        if (condition.TryGetProperty("nested", out var nested))
        {
            var nestedKey = nested.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String
                ? k.GetString()!
                : throw QdrantHttpError.Format("missing field `key` in nested condition");
            var nestedFilter = nested.TryGetProperty("filter", out var f)
                ? Compile(f, $"{path}.nested.filter")
                : throw QdrantHttpError.Format("missing field `filter` in nested condition");
            var arrayPath = PayloadPath.Parse(nestedKey.EndsWith("[]", StringComparison.Ordinal) ? nestedKey : nestedKey + "[]");
            return new NestedNode(arrayPath, nestedFilter);
        }

        if (condition.EnumerateObject().All(property => FilterKeys.Contains(property.Name)))
        {
            return Compile(condition, path);
        }

        throw QdrantHttpError.Format("data did not match any variant of untagged enum Condition");
    }

    private static FieldConditionNode CompileFieldCondition(JsonElement condition, JsonElement key, string path)
    {
        if (key.ValueKind != JsonValueKind.String)
        {
            throw QdrantHttpError.Format("invalid type: expected a string for `key`");
        }

        MatchSpec? match = null;
        RangeSpec? range = null;
        bool? isEmpty = null, isNull = null;
        foreach (var property in condition.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (property.Name)
            {
                case "key":
                    break;
                case "match":
                    match = CompileMatch(property.Value);
                    break;
                case "range":
                    range = CompileRange(property.Value);
                    break;
                case "is_empty":
                    isEmpty = ReadBool(property.Value, "is_empty");
                    break;
                case "is_null":
                    isNull = ReadBool(property.Value, "is_null");
                    break;
                case "geo_bounding_box" or "geo_radius" or "geo_polygon":
                    throw QdrantHttpError.Unsupported("Geo filtering");
                case "values_count":
                    throw QdrantHttpError.Unsupported("The values_count condition");
                default:
                    break;
            }
        }

        if (match is null && range is null && isEmpty is null && isNull is null)
        {
            throw QdrantHttpError.Validation(path, "At least one field condition must be specified");
        }

        return new FieldConditionNode(PayloadPath.Parse(key.GetString()!), match, range, isEmpty, isNull);
    }

    private static MatchSpec CompileMatch(JsonElement match)
    {
        if (match.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum Match");
        }

        if (match.TryGetProperty("value", out var value))
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => new MatchSpec { Kind = MatchKind.Value, Keyword = value.GetString() },
                JsonValueKind.True or JsonValueKind.False => new MatchSpec { Kind = MatchKind.Value, Boolean = value.GetBoolean() },
                JsonValueKind.Number when value.TryGetInt64(out var integer) && IsIntegerLiteral(value) =>
                    new MatchSpec { Kind = MatchKind.Value, Integer = integer },
                _ => throw QdrantHttpError.Format("data did not match any variant of untagged enum ValueVariants"),
            };
        }

        if (match.TryGetProperty("any", out var any))
        {
            return CompileAnyVariants(any, MatchKind.Any);
        }

        if (match.TryGetProperty("except", out var except))
        {
            return CompileAnyVariants(except, MatchKind.Except);
        }

        if (match.TryGetProperty("text", out _) || match.TryGetProperty("text_any", out _) ||
            match.TryGetProperty("phrase", out _) || match.TryGetProperty("prefix", out _))
        {
            throw QdrantHttpError.Unsupported("Full-text matching");
        }

        throw QdrantHttpError.Format("data did not match any variant of untagged enum Match");
    }

    private static MatchSpec CompileAnyVariants(JsonElement list, MatchKind kind)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum AnyVariants");
        }

        var items = list.EnumerateArray().ToArray();
        if (items.All(item => item.ValueKind == JsonValueKind.String))
        {
            return new MatchSpec { Kind = kind, Keywords = items.Select(item => item.GetString()!).ToHashSet(StringComparer.Ordinal) };
        }

        if (items.All(item => item.ValueKind == JsonValueKind.Number && IsIntegerLiteral(item) && item.TryGetInt64(out _)))
        {
            return new MatchSpec { Kind = kind, Integers = items.Select(item => item.GetInt64()).ToHashSet() };
        }

        throw QdrantHttpError.Format("data did not match any variant of untagged enum AnyVariants");
    }

    private static RangeSpec CompileRange(JsonElement range)
    {
        if (range.ValueKind != JsonValueKind.Object)
        {
            throw QdrantHttpError.Format("data did not match any variant of untagged enum RangeInterface");
        }

        double? Bound(string name)
        {
            if (!range.TryGetProperty(name, out var bound) || bound.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return bound.ValueKind == JsonValueKind.Number
                ? bound.GetDouble()
                : throw QdrantHttpError.Unsupported("Datetime ranges");
        }

        return new RangeSpec { Lt = Bound("lt"), Gt = Bound("gt"), Lte = Bound("lte"), Gte = Bound("gte") };
    }

    private static PayloadPath ReadPayloadField(JsonElement field) =>
        field.ValueKind == JsonValueKind.Object && field.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
            ? PayloadPath.Parse(key.GetString()!)
            : throw QdrantHttpError.Format("invalid type: expected struct PayloadField");

    private static bool ReadBool(JsonElement value, string name) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw QdrantHttpError.Format($"invalid type: expected a boolean for `{name}`");

    private static bool IsIntegerLiteral(JsonElement number) => number.GetRawText().AsSpan().IndexOfAny(".eE") < 0;
}
