using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Models;

/// <summary>
/// Qdrant's <c>with_payload</c> union: <c>true</c>/<c>false</c>, a list of fields to include, or
/// <c>{"exclude": [...]}</c>.
/// </summary>
[JsonConverter(typeof(PayloadSelectorJsonConverter))]
public sealed record PayloadSelector
{
    private PayloadSelector(bool enabled, IReadOnlyList<string>? include, IReadOnlyList<string>? exclude)
    {
        Enabled = enabled;
        Include = include;
        Exclude = exclude;
    }

    public bool Enabled { get; }
    public IReadOnlyList<string>? Include { get; }
    public IReadOnlyList<string>? Exclude { get; }

    public static PayloadSelector All { get; } = new(true, null, null);
    public static PayloadSelector None { get; } = new(false, null, null);

    public static PayloadSelector Fields(params string[] fields) => new(true, fields, null);

    public static PayloadSelector AllExcept(params string[] fields) => new(true, null, fields);

    public static implicit operator PayloadSelector(bool enabled) => enabled ? All : None;
}

internal sealed class PayloadSelectorJsonConverter : JsonConverter<PayloadSelector>
{
    public override PayloadSelector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return PayloadSelector.All;
            case JsonTokenType.False:
                return PayloadSelector.None;
            case JsonTokenType.StartArray:
                return PayloadSelector.Fields(JsonSerializer.Deserialize<string[]>(ref reader, options) ?? []);
            case JsonTokenType.StartObject:
                var parts = JsonSerializer.Deserialize<Dictionary<string, string[]>>(ref reader, options) ?? [];
                if (parts.TryGetValue("exclude", out var exclude))
                {
                    return PayloadSelector.AllExcept(exclude);
                }

                return PayloadSelector.Fields(parts.TryGetValue("include", out var include) ? include : []);
            default:
                throw new JsonException("with_payload must be a boolean, a list of fields or an include/exclude object");
        }
    }

    public override void Write(Utf8JsonWriter writer, PayloadSelector value, JsonSerializerOptions options)
    {
        if (value.Include is not null)
        {
            JsonSerializer.Serialize(writer, value.Include, options);
        }
        else if (value.Exclude is not null)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("exclude");
            JsonSerializer.Serialize(writer, value.Exclude, options);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteBooleanValue(value.Enabled);
        }
    }
}
