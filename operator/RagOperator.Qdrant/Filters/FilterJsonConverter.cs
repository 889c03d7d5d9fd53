using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Filters;

/// <summary>
/// Qdrant accepts each clause as one condition or an array of them; this reads both and always writes arrays.
/// Unknown keys are rejected, as Qdrant's filter schema has <c>additionalProperties: false</c>.
/// </summary>
public sealed class FilterJsonConverter : JsonConverter<Filter>
{
    public override Filter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var element = document.RootElement;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A filter must be a JSON object");
        }

        var filter = new Filter();
        foreach (var property in element.EnumerateObject())
        {
            filter = property.Name switch
            {
                "must" => filter with { Must = ReadClause(property.Value, options) },
                "should" => filter with { Should = ReadClause(property.Value, options) },
                "must_not" => filter with { MustNot = ReadClause(property.Value, options) },
                "min_should" => filter with { MinShould = ReadMinShould(property.Value, options) },
                _ => throw new JsonException($"Unknown filter field `{property.Name}`"),
            };
        }

        return filter;
    }

    public override void Write(Utf8JsonWriter writer, Filter value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteClause(writer, "must", value.Must, options);
        WriteClause(writer, "should", value.Should, options);
        WriteClause(writer, "must_not", value.MustNot, options);
        if (value.MinShould is not null)
        {
            writer.WriteStartObject("min_should");
            WriteClause(writer, "conditions", value.MinShould.Conditions, options);
            writer.WriteNumber("min_count", value.MinShould.MinCount);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static IReadOnlyList<Condition>? ReadClause(JsonElement clause, JsonSerializerOptions options) => clause.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.Array => clause.EnumerateArray().Select(item => ConditionJsonConverter.ReadCondition(item, options)).ToArray(),
        _ => [ConditionJsonConverter.ReadCondition(clause, options)],
    };

    private static MinShould? ReadMinShould(JsonElement element, JsonSerializerOptions options) =>
        element.ValueKind == JsonValueKind.Null
            ? null
            : new MinShould(
                ReadClause(element.GetProperty("conditions"), options) ?? [],
                element.GetProperty("min_count").GetUInt64());

    private static void WriteClause(Utf8JsonWriter writer, string name, IReadOnlyList<Condition>? conditions, JsonSerializerOptions options)
    {
        if (conditions is null)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var condition in conditions)
        {
            JsonSerializer.Serialize(writer, condition, options);
        }

        writer.WriteEndArray();
    }
}
