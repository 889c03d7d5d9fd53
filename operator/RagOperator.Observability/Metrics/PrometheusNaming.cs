using System.Text;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// Maps <see cref="System.Diagnostics.Metrics"/> instrument names, units and tag keys to Prometheus names,
/// following the OpenTelemetry → Prometheus compatibility rules: invalid characters become <c>_</c>, the unit
/// becomes a suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>{request}</c> and <c>1</c> → nothing) and counters
/// end in <c>_total</c>. Pure functions, so the dashboard and the tests can compute the same names.
/// </summary>
public static class PrometheusNaming
{
    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["\u03bcs"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tibibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnitWords = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["m"] = "minute",
        ["min"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>The Prometheus family name for an instrument: sanitised name, unit suffix, <c>_total</c> for counters.</summary>
    public static string FamilyName(string instrumentName, string? unit, PrometheusMetricType type)
    {
        var name = SanitizeMetricName(instrumentName);
        var isCounter = type == PrometheusMetricType.Counter;
        if (isCounter && name.EndsWith("_total", StringComparison.Ordinal) && name.Length > "_total".Length)
        {
            // The unit goes before "_total" (requests_seconds_total, not requests_total_seconds).
            name = name[..^"_total".Length];
        }

        var suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !EndsWithToken(name, suffix))
        {
            name = $"{name}_{suffix}";
        }

        return isCounter ? name + "_total" : name;
    }

    /// <summary>The unit as a Prometheus name suffix; empty when the unit adds nothing (annotations such as <c>{shard}</c>).</summary>
    public static string UnitSuffix(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit))
        {
            return string.Empty;
        }

        unit = StripAnnotations(unit.Trim());
        if (unit == "1")
        {
            // Dimensionless. OpenTelemetry's exporter would call a gauge "_ratio", but most "1" gauges here are
            // flags and counts (leader_is_leader), where that suffix would mislead.
            return string.Empty;
        }

        var slash = unit.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var numerator = Word(unit[..slash], UnitWords);
            var denominator = Word(unit[(slash + 1)..], PerUnitWords);
            if (denominator.Length == 0)
            {
                return numerator;
            }

            return numerator.Length == 0 ? $"per_{denominator}" : $"{numerator}_per_{denominator}";
        }

        return Word(unit, UnitWords);
    }

    /// <summary>Makes a metric name match <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, collapsing runs of underscores.</summary>
    public static string SanitizeMetricName(string name) => Sanitize(name, allowColon: true);

    /// <summary>
    /// Makes a label name match <c>[a-zA-Z_][a-zA-Z0-9_]*</c>. A leading <c>__</c> is reserved by Prometheus for
    /// internal labels, so it is shortened to one underscore.
    /// </summary>
    public static string SanitizeLabelName(string name)
    {
        var sanitized = Sanitize(name, allowColon: false);
        return sanitized.StartsWith("__", StringComparison.Ordinal) ? sanitized[1..] : sanitized;
    }

    /// <summary>True when <paramref name="name"/> is a valid Prometheus metric name.</summary>
    public static bool IsValidMetricName(string name) => name.Length > 0 && name == Sanitize(name, allowColon: true, collapse: false);

    private static string Sanitize(string name, bool allowColon, bool collapse = true)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "_";
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (collapse && next == '_' && builder.Length > 0 && builder[^1] == '_')
            {
                continue;
            }

            builder.Append(next);
        }

        return builder.ToString();
    }

    private static string Word(string unit, Dictionary<string, string> words)
    {
        if (unit.Length == 0)
        {
            return string.Empty;
        }

        if (words.TryGetValue(unit, out var word))
        {
            return word;
        }

        // An unknown unit still says something useful, so it is kept, made name-safe.
        return Sanitize(unit, allowColon: false).Trim('_');
    }

    private static string StripAnnotations(string unit)
    {
        var builder = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }

    private static bool EndsWithToken(string name, string suffix) =>
        name == suffix || name.EndsWith("_" + suffix, StringComparison.Ordinal);
}
