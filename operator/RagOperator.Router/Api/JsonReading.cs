using System.Globalization;
using System.Text.Json;

namespace RagOperator.Router.Api;

/// <summary>
/// Typed reads of request fields that fail with a 400 naming the field and what was wrong, rather than a
/// serializer exception. Paths are written as <c>points[3].vector[7]</c>.
/// </summary>
internal static class JsonReading
{
    public static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "missing value",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    public static string Path(string? parent, string name) => string.IsNullOrEmpty(parent) ? name : $"{parent}.{name}";

    public static string Index(string parent, int index) => string.Create(CultureInfo.InvariantCulture, $"{parent}[{index}]");

    public static void RequireObject(JsonElement element, string what, string? field)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw RouterRequestException.BadRequest($"{what} must be a JSON object, not a {Kind(element)}", field);
        }
    }

    /// <summary>Rejects properties outside <paramref name="known"/>, so a misspelt field is an error, not silently ignored.</summary>
    public static void RejectUnknown(JsonElement element, string? parent, IReadOnlyCollection<string> known, Func<string, string?>? hint = null)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name))
            {
                var extra = hint?.Invoke(property.Name);
                throw RouterRequestException.BadRequest(
                    $"unknown field '{property.Name}'{(extra is null ? "" : $" ({extra})")}; known fields: {string.Join(", ", known)}",
                    Path(parent, property.Name));
            }
        }
    }

    /// <summary>The property, or <c>default</c> (Undefined) when it is absent or JSON null.</summary>
    public static JsonElement Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : default;

    public static JsonElement Required(JsonElement parent, string name, string field)
    {
        var value = Optional(parent, name);
        return value.ValueKind == JsonValueKind.Undefined
            ? throw RouterRequestException.BadRequest($"{field} is missing", field)
            : value;
    }

    public static bool ReadBool(JsonElement parent, string name, string field, bool defaultValue)
    {
        var value = Optional(parent, name);
        return value.ValueKind switch
        {
            JsonValueKind.Undefined => defaultValue,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw RouterRequestException.BadRequest($"{field} must be true or false, not a {Kind(value)}", field),
        };
    }

    /// <summary>An integer within <paramref name="min"/>..<paramref name="max"/>, or the default when absent.</summary>
    public static long ReadInteger(JsonElement parent, string name, string field, long defaultValue, long min, long max)
    {
        var value = Optional(parent, name);
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return defaultValue;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw RouterRequestException.BadRequest($"{field} must be an integer, not a {Kind(value)}", field);
        }

        if (!value.TryGetInt64(out var number))
        {
            var raw = value.GetRawText();
            throw RouterRequestException.BadRequest(
                value.TryGetDouble(out var real) && Math.Abs(real) < 1e18
                    ? $"{field} must be an integer, not {raw}"
                    : $"{field} {raw} is outside {min}..{max}",
                field);
        }

        if (number < min || number > max)
        {
            throw RouterRequestException.BadRequest($"{field} {number} is outside {min}..{max}", field);
        }

        return number;
    }

    /// <summary>
    /// A dense vector of exactly <paramref name="dimension"/> finite 32-bit floats. JSON has no NaN or Infinity
    /// literals, so they arrive as the strings "NaN"/"Infinity" (which some encoders write) or as numbers beyond
    /// the float range (which would become Infinity); both are named as such.
    /// </summary>
    public static float[] ReadVector(JsonElement parent, string name, string field, int dimension, string collection)
    {
        var value = Required(parent, name, field);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw RouterRequestException.BadRequest(
                value.ValueKind == JsonValueKind.Object
                    ? $"{field} must be an array of numbers; named and sparse vectors are not supported"
                    : $"{field} must be an array of numbers, not a {Kind(value)}",
                field);
        }

        var length = value.GetArrayLength();
        if (length != dimension)
        {
            throw RouterRequestException.BadRequest(
                $"{field} has dimension {length}, expected {dimension} (the dimension of collection '{collection}')", field);
        }

        var vector = new float[length];
        var i = 0;
        foreach (var component in value.EnumerateArray())
        {
            var at = Index(field, i);
            switch (component.ValueKind)
            {
                case JsonValueKind.Number:
                    var raw = component.GetRawText();
                    if (!component.TryGetDouble(out var real) || !double.IsFinite(real) || float.IsInfinity((float)real))
                    {
                        throw RouterRequestException.BadRequest(
                            $"{at} is {raw}, outside the 32-bit float range (it would be Infinity); vector components must be finite", at);
                    }

                    vector[i] = (float)real;
                    break;
                case JsonValueKind.String when IsNonFiniteName(component.GetString()):
                    throw RouterRequestException.BadRequest(
                        $"{at} is {component.GetString()}; vector components must be finite numbers (no NaN or Infinity)", at);
                default:
                    throw RouterRequestException.BadRequest($"{at} must be a number, not a {Kind(component)}", at);
            }

            i++;
        }

        return vector;
    }

    private static readonly HashSet<string> NonFiniteNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "NaN", "+NaN", "-NaN", "Infinity", "+Infinity", "-Infinity", "inf", "+inf", "-inf",
    };

    private static bool IsNonFiniteName(string? text) => text is not null && NonFiniteNames.Contains(text.Trim());
}
