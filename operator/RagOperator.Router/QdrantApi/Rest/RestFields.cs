using System.Text.Json;
using RagOperator.Router.Api;

namespace RagOperator.Router.QdrantApi.Rest;

/// <summary>
/// Typed reads of the fields of Qdrant's REST bodies. A field of the wrong type is a 400 that names the field by its
/// path (<c>searches[1].limit</c>) and says what it should be, in Qdrant's "Format error in JSON body" form. JSON null
/// reads as absent, as Qdrant's optional fields do; fields Qdrant does not define are ignored, as Qdrant ignores them.
/// </summary>
internal static class RestFields
{
    public static RouterRequestException Invalid(string? field, string message) =>
        RouterRequestException.BadRequest($"Format error in JSON body: {message}", field);

    public static string Path(string? parent, string name) => JsonReading.Path(parent, name);

    public static string Index(string parent, int index) => JsonReading.Index(parent, index);

    /// <summary>The property, or <c>default</c> (Undefined) when it is absent or null.</summary>
    public static JsonElement Optional(JsonElement parent, string name) => JsonReading.Optional(parent, name);

    public static bool Has(JsonElement parent, string name) => Optional(parent, name).ValueKind != JsonValueKind.Undefined;

    public static JsonElement Required(JsonElement parent, string name, string field)
    {
        var value = Optional(parent, name);
        return value.ValueKind == JsonValueKind.Undefined ? throw Invalid(field, $"missing field `{field}`") : value;
    }

    public static JsonElement Object(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Object ? value : throw Invalid(field, $"{field} must be a JSON object, not {Describe(value)}");

    public static JsonElement Array(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Array ? value : throw Invalid(field, $"{field} must be an array, not {Describe(value)}");

    public static IEnumerable<(JsonElement Item, string Field)> Items(JsonElement array, string field) =>
        Array(array, field).EnumerateArray().Select((item, i) => (item, Index(field, i)));

    public static ulong? UInt(JsonElement parent, string name, string field)
    {
        var value = Optional(parent, name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined => null,
            JsonValueKind.Number when value.TryGetUInt64(out var number) => number,
            _ => throw Invalid(field, $"{field} must be an unsigned integer, not {Describe(value)}"),
        };
    }

    public static bool? Bool(JsonElement parent, string name, string field)
    {
        var value = Optional(parent, name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(field, $"{field} must be true or false, not {Describe(value)}"),
        };
    }

    public static float? Float(JsonElement parent, string name, string field)
    {
        var value = Optional(parent, name);
        return value.ValueKind == JsonValueKind.Undefined ? null : Float(value, field);
    }

    public static string? Text(JsonElement parent, string name, string field)
    {
        var value = Optional(parent, name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined => null,
            JsonValueKind.String => value.GetString(),
            _ => throw Invalid(field, $"{field} must be a string, not {Describe(value)}"),
        };
    }

    public static List<string> Strings(JsonElement array, string field) =>
        [.. Items(array, field).Select(entry => entry.Item.ValueKind == JsonValueKind.String
            ? entry.Item.GetString()!
            : throw Invalid(entry.Field, $"{entry.Field} must be a string, not {Describe(entry.Item)}"))];

    /// <summary>A vector's components: finite 32-bit floats (JSON has no NaN or Infinity, and larger numbers would become Infinity).</summary>
    public static float[] Floats(JsonElement array, string field)
    {
        var values = new float[Array(array, field).GetArrayLength()];
        var i = 0;
        foreach (var component in array.EnumerateArray())
        {
            values[i] = Float(component, Index(field, i));
            i++;
        }

        return values;
    }

    public static string Kind(JsonElement value) => JsonReading.Kind(value);

    /// <summary>A value as an error message shows it: short values verbatim, others by their kind.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.Array => $"a JSON {Kind(value)}",
        _ when value.GetRawText() is { Length: <= 40 } raw => raw,
        _ => $"a {Kind(value)}",
    };

    private static float Float(JsonElement value, string field)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw Invalid(field, $"{field} must be a number, not {Describe(value)}");
        }

        var number = value.GetDouble();
        return double.IsFinite(number) && float.IsFinite((float)number)
            ? (float)number
            : throw Invalid(field, $"{field} is {value.GetRawText()}, outside the 32-bit float range");
    }
}
