using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// Reads JSON numbers whatever backs the <see cref="JsonValue"/> (a parsed element or a CLR primitive), by their
/// JSON text: the API server decodes a number as int64 when its text is an integer and as float64 otherwise.
/// </summary>
internal static class JsonNumbers
{
    public static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    public static bool TryGetInt64(JsonValue value, out long result)
    {
        result = 0;
        return value.GetValueKind() == JsonValueKind.Number
            && long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
    }

    public static double GetDouble(JsonValue value) =>
        double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>True for numbers with no fractional part, including 1.0 and 1e3 (accepted for <c>type: integer</c>).</summary>
    public static bool IsIntegral(JsonValue value, out long result)
    {
        if (TryGetInt64(value, out result)) return true;
        var d = GetDouble(value);
        if (double.IsFinite(d) && Math.Floor(d) == d && d >= long.MinValue && d < 9.2233720368547758e18)
        {
            result = (long)d;
            return true;
        }
        return false;
    }
}
