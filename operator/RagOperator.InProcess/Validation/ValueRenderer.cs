using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// Renders values the way Kubernetes' <c>field.Error</c> does in messages: strings Go-quoted (<c>%q</c>),
/// numbers and booleans bare, null as <c>"null"</c>, and objects and lists as compact JSON.
/// </summary>
internal static class ValueRenderer
{
    public static string Render(JsonNode? value) => value switch
    {
        null => "\"null\"",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Quote(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => FormatNumber(v),
        JsonValue v => v.ToJsonString(),
        _ => value.ToJsonString(),
    };

    /// <summary>The value as an enum entry is listed in "supported values": its string, or its JSON text.</summary>
    public static string EnumText(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";

    public static string FormatNumber(JsonValue value) =>
        JsonNumbers.TryGetInt64(value, out var l) ? l.ToString(CultureInfo.InvariantCulture) : FormatDouble(JsonNumbers.GetDouble(value));

    /// <summary>
    /// Integral values print as integers (kube-openapi formats bounds and values of integers as int64); others as Go's
    /// <c>%v</c> of a float64.
    /// </summary>
    public static string FormatDouble(double d) =>
        double.IsFinite(d) && Math.Abs(d) < 1e21 && Math.Floor(d) == d
            ? ((decimal)d).ToString(CultureInfo.InvariantCulture)
            : Cel.CelValues.FormatDouble(d);

    /// <summary>Go's <c>%q</c>: double quotes, backslash escapes for quotes, backslashes and control characters.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or '\u007f': sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>The JSON type name kube-openapi reports for a value ("string", "integer", "number", ...).</summary>
    public static string JsonTypeName(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => JsonNumbers.TryGetInt64(v, out _) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };
}
