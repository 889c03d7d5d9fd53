using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Filters;

/// <summary>
/// Reads and writes Qdrant's untagged condition union. Reading tells the variants apart by their keys, in the
/// order Qdrant tries them: <c>key</c> (field condition), <c>is_empty</c>, <c>is_null</c>, <c>has_id</c>,
/// <c>nested</c>, and otherwise a nested filter.
/// </summary>
public sealed class ConditionJsonConverter : JsonConverter<Condition>
{
    public override Condition Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return ReadCondition(document.RootElement, options);
    }

    internal static Condition ReadCondition(JsonElement element, JsonSerializerOptions options)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A filter condition must be a JSON object");
        }

        if (element.TryGetProperty("key", out var key))
        {
            return new FieldCondition(key.GetString() ?? throw new JsonException("Condition key must be a string"))
            {
                Match = element.TryGetProperty("match", out var match) && match.ValueKind != JsonValueKind.Null
                    ? ReadMatch(match)
                    : null,
                Range = element.TryGetProperty("range", out var range) && range.ValueKind != JsonValueKind.Null
                    ? range.Deserialize<ValueRange>(options)
                    : null,
                IsEmpty = ReadOptionalBool(element, "is_empty"),
                IsNull = ReadOptionalBool(element, "is_null"),
            };
        }

        if (element.TryGetProperty("is_empty", out var isEmpty))
        {
            return new IsEmptyCondition(ReadPayloadFieldKey(isEmpty));
        }

        if (element.TryGetProperty("is_null", out var isNull))
        {
            return new IsNullCondition(ReadPayloadFieldKey(isNull));
        }

        if (element.TryGetProperty("has_id", out var hasId))
        {
            return new HasIdCondition(hasId.Deserialize<PointId[]>(options) ?? []);
        }

        if (element.TryGetProperty("nested", out var nested))
        {
            var nestedKey = nested.GetProperty("key").GetString() ?? throw new JsonException("Nested key must be a string");
            var nestedFilter = nested.GetProperty("filter").Deserialize<Filter>(options) ?? new Filter();
            return new NestedCondition(nestedKey, nestedFilter);
        }

        return new FilterCondition(element.Deserialize<Filter>(options) ?? new Filter());
    }

    public override void Write(Utf8JsonWriter writer, Condition value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case FieldCondition field:
                writer.WriteStartObject();
                writer.WriteString("key", field.Key);
                if (field.Match is not null)
                {
                    writer.WritePropertyName("match");
                    WriteMatch(writer, field.Match);
                }

                if (field.Range is not null)
                {
                    writer.WritePropertyName("range");
                    JsonSerializer.Serialize(writer, field.Range, options);
                }

                if (field.IsEmpty is { } fieldIsEmpty)
                {
                    writer.WriteBoolean("is_empty", fieldIsEmpty);
                }

                if (field.IsNull is { } fieldIsNull)
                {
                    writer.WriteBoolean("is_null", fieldIsNull);
                }

                writer.WriteEndObject();
                break;
            case IsEmptyCondition isEmpty:
                WriteKeyWrapper(writer, "is_empty", isEmpty.Key);
                break;
            case IsNullCondition isNull:
                WriteKeyWrapper(writer, "is_null", isNull.Key);
                break;
            case HasIdCondition hasId:
                writer.WriteStartObject();
                writer.WritePropertyName("has_id");
                JsonSerializer.Serialize(writer, hasId.HasId, options);
                writer.WriteEndObject();
                break;
            case NestedCondition nested:
                writer.WriteStartObject();
                writer.WriteStartObject("nested");
                writer.WriteString("key", nested.Key);
                writer.WritePropertyName("filter");
                JsonSerializer.Serialize(writer, nested.Filter, options);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            case FilterCondition filter:
                JsonSerializer.Serialize(writer, filter.Filter, options);
                break;
            default:
                throw new JsonException($"Unknown condition type {value.GetType().Name}");
        }
    }

    private static Match ReadMatch(JsonElement match)
    {
        if (match.TryGetProperty("value", out var value))
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => Match.Value(value.GetString()!),
                JsonValueKind.True or JsonValueKind.False => Match.Value(value.GetBoolean()),
                JsonValueKind.Number when value.TryGetInt64(out var integer) => Match.Value(integer),
                _ => throw new JsonException("match.value must be a string, an integer or a boolean"),
            };
        }

        if (match.TryGetProperty("any", out var any))
        {
            return IsKeywordArray(any) ? Match.Any(ReadKeywords(any)) : Match.Any(ReadIntegers(any));
        }

        if (match.TryGetProperty("except", out var except))
        {
            return IsKeywordArray(except) ? Match.Except(ReadKeywords(except)) : Match.Except(ReadIntegers(except));
        }

        throw new JsonException("match must have one of value, any or except");
    }

    private static void WriteMatch(Utf8JsonWriter writer, Match match)
    {
        writer.WriteStartObject();
        switch (match.Kind)
        {
            case MatchKind.Value when match.Keyword is not null:
                writer.WriteString("value", match.Keyword);
                break;
            case MatchKind.Value when match.Integer is { } integer:
                writer.WriteNumber("value", integer);
                break;
            case MatchKind.Value:
                writer.WriteBoolean("value", match.Boolean ?? false);
                break;
            default:
                writer.WriteStartArray(match.Kind == MatchKind.Any ? "any" : "except");
                if (match.Keywords is not null)
                {
                    foreach (var keyword in match.Keywords.Distinct())
                    {
                        writer.WriteStringValue(keyword);
                    }
                }
                else
                {
                    // The schema says uniqueItems: send each value once.
                    foreach (var integer in (match.Integers ?? []).Distinct())
                    {
                        writer.WriteNumberValue(integer);
                    }
                }

                writer.WriteEndArray();
                break;
        }

        writer.WriteEndObject();
    }

    private static bool IsKeywordArray(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array && array.GetArrayLength() > 0 && array[0].ValueKind == JsonValueKind.String;

    private static string[] ReadKeywords(JsonElement array) =>
        array.EnumerateArray().Select(item => item.GetString() ?? throw new JsonException("Keyword must be a string")).ToArray();

    private static long[] ReadIntegers(JsonElement array) =>
        array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(item => item.GetInt64()).ToArray()
            : throw new JsonException("match any/except must be an array");

    private static string ReadPayloadFieldKey(JsonElement field) =>
        field.ValueKind == JsonValueKind.Object && field.TryGetProperty("key", out var key) && key.GetString() is { } text
            ? text
            : throw new JsonException("is_empty/is_null must be {\"key\": \"...\"}");

    private static bool? ReadOptionalBool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    private static void WriteKeyWrapper(Utf8JsonWriter writer, string name, string key)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(name);
        writer.WriteString("key", key);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
