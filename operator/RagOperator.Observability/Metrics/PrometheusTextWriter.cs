using System.Globalization;
using System.Text;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// Writes families in the Prometheus text exposition format 0.0.4: per family one <c># HELP</c> and one
/// <c># TYPE</c> line followed by all its samples; histogram buckets cumulative, ending in <c>le="+Inf"</c>,
/// then <c>_sum</c> and <c>_count</c>. Lines end with <c>\n</c> whatever the platform.
/// </summary>
internal static class PrometheusTextWriter
{
    public static void Write(StringBuilder output, IEnumerable<FamilySnapshot> families)
    {
        foreach (var family in families)
        {
            output.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            output.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');
            foreach (var series in family.Series)
            {
                if (series.Histogram is { } histogram)
                {
                    WriteHistogram(output, family.Name, series.Labels, histogram);
                }
                else
                {
                    WriteSample(output, family.Name, series.Labels, null, FormatDouble(series.Value));
                }
            }
        }
    }

    /// <summary>Formats a sample value or bound the way Prometheus parses it (Go float syntax, <c>+Inf</c>, <c>NaN</c>).</summary>
    public static string FormatDouble(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>Escapes a HELP docstring: backslash and line feed (quotes stay as they are).</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static void WriteHistogram(StringBuilder output, string name, LabelSet labels, HistogramSnapshot histogram)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.BucketCounts.Length; i++)
        {
            cumulative += histogram.BucketCounts[i];
            var le = i < histogram.Bounds.Count ? FormatDouble(histogram.Bounds[i]) : "+Inf";
            WriteSample(output, name + "_bucket", labels, le, cumulative.ToString(CultureInfo.InvariantCulture));
        }

        WriteSample(output, name + "_sum", labels, null, FormatDouble(histogram.Sum));
        WriteSample(output, name + "_count", labels, null, histogram.Count.ToString(CultureInfo.InvariantCulture));
    }

    private static void WriteSample(StringBuilder output, string name, LabelSet labels, string? le, string value)
    {
        output.Append(name);
        if (labels.Labels.Count > 0 || le is not null)
        {
            output.Append('{');
            var first = true;
            foreach (var (label, labelValue) in labels.Labels)
            {
                if (!first)
                {
                    output.Append(',');
                }

                output.Append(label).Append("=\"").Append(EscapeLabelValue(labelValue)).Append('"');
                first = false;
            }

            if (le is not null)
            {
                output.Append(first ? string.Empty : ",").Append("le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(value).Append('\n');
    }

    private static string TypeName(PrometheusMetricType type) => type switch
    {
        PrometheusMetricType.Counter => "counter",
        PrometheusMetricType.Gauge => "gauge",
        PrometheusMetricType.Histogram => "histogram",
        _ => "untyped",
    };
}
