using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Qdrant.Storage;

/// <summary>
/// An immutable payload value. Payloads are stored in this form rather than as <see cref="JsonNode"/>s, which
/// are mutable and initialise lazily (unsafe for the parallel reads of a search). Object keys keep their insertion
/// order, as Qdrant's do; numbers keep their original text so that a payload reads back as it was written.
/// </summary>
internal abstract class PayloadValue
{
    public abstract void Write(Utf8JsonWriter writer);

    public static PayloadValue From(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => PayloadObject.FromElement(element),
        JsonValueKind.Array => new PayloadArray(element.EnumerateArray().Select(From).ToArray()),
        JsonValueKind.String => new PayloadString(element.GetString()!),
        JsonValueKind.Number => PayloadNumber.FromElement(element),
        JsonValueKind.True => PayloadBool.True,
        JsonValueKind.False => PayloadBool.False,
        _ => PayloadNull.Instance,
    };
}

internal sealed class PayloadNull : PayloadValue
{
    public static PayloadNull Instance { get; } = new();

    public override void Write(Utf8JsonWriter writer) => writer.WriteNullValue();
}

internal sealed class PayloadBool(bool value) : PayloadValue
{
    public static PayloadBool True { get; } = new(true);
    public static PayloadBool False { get; } = new(false);

    public bool Value { get; } = value;

    public override void Write(Utf8JsonWriter writer) => writer.WriteBooleanValue(Value);
}

internal sealed class PayloadString(string value) : PayloadValue
{
    public string Value { get; } = value;

    public override void Write(Utf8JsonWriter writer) => writer.WriteStringValue(Value);
}

/// <summary>
/// A JSON number. <see cref="Integer"/> is set only for integer literals that fit an i64 — what serde_json's
/// <c>as_i64</c> returns, which Qdrant's integer matches use; <see cref="Double"/> is <c>as_f64</c>, used by ranges.
/// </summary>
internal sealed class PayloadNumber(string raw, double value, long? integer) : PayloadValue
{
    public string Raw { get; } = raw;
    public double Double { get; } = value;
    public long? Integer { get; } = integer;

    public static PayloadNumber FromElement(JsonElement element)
    {
        var raw = element.GetRawText();
        long? integer = raw.AsSpan().IndexOfAny(".eE") < 0 && element.TryGetInt64(out var parsed) ? parsed : null;
        return new PayloadNumber(raw, element.GetDouble(), integer);
    }

    public override void Write(Utf8JsonWriter writer) => writer.WriteRawValue(Raw, skipInputValidation: true);
}

internal sealed class PayloadArray(PayloadValue[] items) : PayloadValue
{
    public IReadOnlyList<PayloadValue> Items { get; } = items;

    public override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (var item in Items)
        {
            item.Write(writer);
        }

        writer.WriteEndArray();
    }
}

internal sealed class PayloadObject : PayloadValue
{
    private readonly List<KeyValuePair<string, PayloadValue>> _entries;
    private readonly Dictionary<string, int> _index;

    private PayloadObject(List<KeyValuePair<string, PayloadValue>> entries)
    {
        _entries = entries;
        _index = new Dictionary<string, int>(entries.Count, StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            _index[entries[i].Key] = i;
        }
    }

    public static PayloadObject Empty { get; } = new([]);

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<string, PayloadValue>> Entries => _entries;

    /// <summary>From entries with distinct keys (a protobuf map), in the order given.</summary>
    public static PayloadObject FromEntries(IEnumerable<KeyValuePair<string, PayloadValue>> entries) => new(entries.ToList());

    public static PayloadObject FromElement(JsonElement element)
    {
        // Duplicate keys: the last one wins, at the first one's position (as serde_json's map does).
        var entries = new List<KeyValuePair<string, PayloadValue>>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var value = From(property.Value);
            if (positions.TryGetValue(property.Name, out var position))
            {
                entries[position] = new(property.Name, value);
            }
            else
            {
                positions[property.Name] = entries.Count;
                entries.Add(new(property.Name, value));
            }
        }

        return new PayloadObject(entries);
    }

    public PayloadValue? Get(string key) => _index.TryGetValue(key, out var i) ? _entries[i].Value : null;

    /// <summary>Qdrant's "set payload": existing keys are replaced in place, new keys appended.</summary>
    public PayloadObject Merge(PayloadObject other)
    {
        var entries = new List<KeyValuePair<string, PayloadValue>>(_entries);
        var positions = new Dictionary<string, int>(_index, StringComparer.Ordinal);
        foreach (var entry in other._entries)
        {
            if (positions.TryGetValue(entry.Key, out var position))
            {
                entries[position] = entry;
            }
            else
            {
                positions[entry.Key] = entries.Count;
                entries.Add(entry);
            }
        }

        return new PayloadObject(entries);
    }

    /// <summary>Only the listed top-level keys (or all but them, when <paramref name="exclude"/>).</summary>
    public PayloadObject Select(IReadOnlySet<string> keys, bool exclude) =>
        new(_entries.Where(entry => keys.Contains(entry.Key) != exclude).ToList());

    public override void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var entry in _entries)
        {
            writer.WritePropertyName(entry.Key);
            entry.Value.Write(writer);
        }

        writer.WriteEndObject();
    }

    public JsonObject ToJsonObject()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer);
        }

        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }
}
