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

    /// <summary>Integral values print as integers (as kube-apiserver prints schema bounds); others in shortest form.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsFinite(d) && Math.Abs(d) < 1e21 && Math.Floor(d) == d)
            return ((decimal)d).ToString(CultureInfo.InvariantCulture);
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        var e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0) return text;
        // Go writes exponents as e+06 / e-07: lower case, signed, at least two digits.
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

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
