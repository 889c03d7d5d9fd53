using System.Globalization;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Validation;

/// <summary>
/// The <c>date-time</c> format, leniently as kube-openapi's strfmt accepts it: RFC 3339 with <c>T</c>, <c>t</c> or a
/// space between date and time, optional fractional seconds, and a <c>Z</c> or numeric offset (or none).
/// </summary>
internal static partial class DateTimeFormat
{
    public static bool IsValid(string s)
    {
        var m = Shape().Match(s);
        if (!m.Success) return false;
        var normalized = $"{m.Groups["date"].Value}T{m.Groups["time"].Value}";
        return DateTime.TryParseExact(normalized, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
            && (m.Groups["offset"].Value is "" or "Z" or "z" || ValidOffset(m.Groups["offset"].Value));
    }

    private static bool ValidOffset(string offset)
    {
        var digits = offset.Replace(":", "", StringComparison.Ordinal);
        return int.Parse(digits.AsSpan(1, 2), CultureInfo.InvariantCulture) <= 23 && int.Parse(digits.AsSpan(3, 2), CultureInfo.InvariantCulture) <= 59;
    }

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[Tt ](?<time>\d{2}:\d{2}:\d{2})(\.\d{1,9})?(?<offset>[Zz]|[+-]\d{2}:?\d{2})?$")]
    private static partial Regex Shape();
}
