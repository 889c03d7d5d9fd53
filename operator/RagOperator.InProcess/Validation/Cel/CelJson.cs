using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation.Cel;

/// <summary>
/// Exposes JSON to CEL the way kube-apiserver types it from the structural schema: <c>integer</c> as int,
/// <c>number</c> as double (also when the JSON text is integral), objects as maps keyed by field name (converted
/// lazily, so a rule reads only what it touches), arrays as lists. Untyped nodes (preserve-unknown-fields,
/// int-or-string) follow the JSON: integral text is int, other numbers double.
/// Departure: <c>format: date-time</c>/<c>duration</c> strings stay strings (the real server exposes timestamp and
/// duration values).
/// </summary>
public static class CelJson
{
    public static object ToCel(JsonNode? node, StructuralSchema? schema) => node switch
    {
        null => CelNull.Instance,
        JsonObject o => new JsonMap(o, schema),
        JsonArray a => new JsonList(a, schema?.Items),
        JsonValue v => Scalar(v, schema),
        _ => CelNull.Instance,
    };

    private static object Scalar(JsonValue value, StructuralSchema? schema)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String: return value.GetValue<string>();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number:
                if (schema?.Type == "number") return JsonNumbers.GetDouble(value);
                if (JsonNumbers.TryGetInt64(value, out var l)) return l;
                if (schema?.Type == "integer" && JsonNumbers.IsIntegral(value, out var integral)) return integral;
                return double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
            default: return CelNull.Instance;
        }
    }

    /// <summary>A JSON object seen through its schema (null when the schema does not describe it).</summary>
    internal sealed class JsonMap(JsonObject obj, StructuralSchema? schema) : CelMap
    {
        /// <summary>True when the schema declares fields: selection then unescapes Kubernetes' CEL field-name escapes.</summary>
        public bool IsSchemaObject => schema is { Properties.Count: > 0 };

        public override int Count => obj.Count;

        public override IEnumerable<object> Keys => obj.Select(kv => (object)kv.Key);

        public override bool TryGet(object key, out object value)
        {
            if (key is string name && obj.TryGetPropertyValue(name, out var node))
            {
                value = ToCel(node, schema?.Child(name));
                return true;
            }
            value = CelNull.Instance;
            return false;
        }
    }

    internal sealed class JsonList(JsonArray array, StructuralSchema? items) : CelList
    {
        public override int Count => array.Count;

        public override object this[int index] => ToCel(array[index], items);
    }
}
