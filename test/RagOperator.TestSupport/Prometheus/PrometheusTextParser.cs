using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RagOperator.TestSupport.Prometheus;

/// <summary>
/// A strict parser for the Prometheus text exposition format 0.0.4, written from the format's specification so
/// the exporter is checked against the rules rather than against itself. It throws
/// <see cref="FormatException"/> (with the line number) on any violation:
/// metric and label name syntax; label value escapes (only <c>\\</c>, <c>\"</c>, <c>\n</c>); HELP escapes
/// (only <c>\\</c>, <c>\n</c>); at most one HELP and one TYPE per family, TYPE before the family's first sample;
/// all samples of a family in one group; no duplicate series or duplicate label names; Go float values with
/// <c>+Inf</c>/<c>-Inf</c>/<c>NaN</c> and an optional integer timestamp; a final line feed; for counters
/// non-negative values; for histograms <c>_bucket</c> samples with increasing <c>le</c>, cumulative counts,
/// a <c>+Inf</c> bucket equal to <c>_count</c>, and <c>_sum</c>/<c>_count</c> for every series.
/// Use it on any <c>/metrics</c> response: <c>PrometheusTextParser.Parse(body).Value("name_total", ("label", "v"))</c>.
/// </summary>
public static partial class PrometheusTextParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static Exposition Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition must end with a line feed.");
        }

        var families = new List<ParsedFamily>();
        var byName = new Dictionary<string, ParsedFamily>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        ParsedFamily? current = null;
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length - 1; index++)
        {
            var line = lines[index];
            var number = index + 1;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = ParseComment(line, number);
                if (comment is null)
                {
                    continue;
                }

                var (keyword, name, rest) = comment.Value;
                var family = Enter(name, number);
                if (keyword == "HELP")
                {
                    if (family.Help is not null)
                    {
                        throw Error(number, $"second HELP line for {name}");
                    }

                    family.Help = UnescapeHelp(rest, number);
                }
                else
                {
                    if (family.Type is not null)
                    {
                        throw Error(number, $"second TYPE line for {name}");
                    }

                    if (family.Samples.Count > 0)
                    {
                        throw Error(number, $"TYPE line for {name} after its samples");
                    }

                    if (!Types.Contains(rest))
                    {
                        throw Error(number, $"unknown type '{rest}'");
                    }

                    family.Type = rest;
                }

                continue;
            }

            var sample = ParseSample(line, number);
            var familyName = FamilyOf(sample.Name, byName);
            var owner = Enter(familyName, number);
            if (!seenSeries.Add(sample.Name + Canonical(sample.Labels)))
            {
                throw Error(number, $"duplicate series {sample.Name}{Canonical(sample.Labels)}");
            }

            owner.Samples.Add(sample);
        }

        foreach (var family in families)
        {
            Validate(family);
        }

        return new Exposition(families);

        ParsedFamily Enter(string name, int number)
        {
            if (current?.Name == name)
            {
                return current;
            }

            if (current is not null)
            {
                closed.Add(current.Name);
            }

            if (closed.Contains(name))
            {
                throw Error(number, $"lines of family {name} are not in one group");
            }

            var family = new ParsedFamily(name);
            families.Add(family);
            byName[name] = family;
            current = family;
            return family;
        }
    }

    private static (string Keyword, string Name, string Text)? ParseComment(string line, int number)
    {
        var match = CommentLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var name = match.Groups["name"].Value;
        if (!MetricName().IsMatch(name))
        {
            throw Error(number, $"invalid metric name '{name}'");
        }

        return (match.Groups["keyword"].Value, name, match.Groups["rest"].Value);
    }

    private static string FamilyOf(string sampleName, Dictionary<string, ParsedFamily> families)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal))
            {
                var baseName = sampleName[..^suffix.Length];
                if (families.TryGetValue(baseName, out var family) && family.Type is "histogram" or "summary")
                {
                    return baseName;
                }
            }
        }

        return sampleName;
    }

    private static ParsedSample ParseSample(string line, int number)
    {
        var position = 0;
        var name = ReadWhile(line, ref position, static (c, first) => char.IsAsciiLetter(c) || c is '_' or ':' || (!first && char.IsAsciiDigit(c)));
        if (name.Length == 0)
        {
            throw Error(number, "a sample must start with a metric name");
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                if (position < line.Length && line[position] == '}')
                {
                    position++;
                    break;
                }

                var label = ReadWhile(line, ref position, static (c, first) => char.IsAsciiLetter(c) || c == '_' || (!first && char.IsAsciiDigit(c)));
                if (label.Length == 0)
                {
                    throw Error(number, $"invalid label name at column {position + 1}");
                }

                if (label.StartsWith("__", StringComparison.Ordinal))
                {
                    throw Error(number, $"label name {label} is reserved");
                }

                Expect(line, ref position, '=', number);
                Expect(line, ref position, '"', number);
                var value = ReadLabelValue(line, ref position, number);
                if (!labels.TryAdd(label, value))
                {
                    throw Error(number, $"label {label} appears twice");
                }

                if (position < line.Length && line[position] == ',')
                {
                    position++;
                    continue;
                }

                Expect(line, ref position, '}', number);
                break;
            }
        }

        var fields = line[position..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (position >= line.Length || line[position] is not (' ' or '\t') || fields.Length is 0 or > 2)
        {
            throw Error(number, "a sample needs one blank, a value and an optional timestamp");
        }

        var sampleValue = ParseValue(fields[0], number);
        long? timestamp = null;
        if (fields.Length == 2)
        {
            timestamp = long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
                ? ms
                : throw Error(number, $"invalid timestamp '{fields[1]}'");
        }

        return new ParsedSample(name, labels, sampleValue, timestamp);
    }

    private static string ReadLabelValue(string line, ref int position, int number)
    {
        var value = new StringBuilder();
        while (true)
        {
            if (position >= line.Length)
            {
                throw Error(number, "unterminated label value");
            }

            var c = line[position++];
            if (c == '"')
            {
                return value.ToString();
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (position >= line.Length)
            {
                throw Error(number, "dangling backslash in a label value");
            }

            value.Append(line[position++] switch
            {
                '\\' => '\\',
                '"' => '"',
                'n' => '\n',
                var other => throw Error(number, $"invalid escape \\{other} in a label value"),
            });
        }
    }

    private static string UnescapeHelp(string help, int number)
    {
        var text = new StringBuilder();
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] != '\\')
            {
                text.Append(help[i]);
                continue;
            }

            i++;
            text.Append(i < help.Length ? help[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw Error(number, $"invalid escape \\{other} in HELP"),
            } : throw Error(number, "dangling backslash in HELP"));
        }

        return text.ToString();
    }

    /// <summary>Go's strconv.ParseFloat syntax (decimal, exponent) plus the special values Prometheus writes.</summary>
    private static double ParseValue(string text, int number)
    {
        switch (text)
        {
            case "+Inf":
                return double.PositiveInfinity;
            case "-Inf":
                return double.NegativeInfinity;
            case "NaN":
                return double.NaN;
        }

        if (!GoFloat().IsMatch(text) || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(number, $"invalid value '{text}'");
        }

        return value;
    }

    private static void Validate(ParsedFamily family)
    {
        if (family.Type is null || family.Help is null)
        {
            // Both are optional in the format, but prometheus-net writes them for every family. A family with no samples
            // (a labelled metric nothing has been recorded on yet) is valid and allowed.
            throw new FormatException($"family {family.Name} lacks a HELP or TYPE line");
        }

        switch (family.Type)
        {
            case "counter":
                foreach (var sample in family.Samples)
                {
                    if (sample.Name != family.Name || double.IsNaN(sample.Value) || sample.Value < 0)
                    {
                        throw new FormatException($"counter sample {sample.Name} {sample.Value} is invalid");
                    }
                }

                break;
            case "gauge":
                if (family.Samples.Any(sample => sample.Name != family.Name))
                {
                    throw new FormatException($"gauge {family.Name} has a sample of another name");
                }

                break;
            case "histogram":
                ValidateHistogram(family);
                break;
        }
    }

    private static void ValidateHistogram(ParsedFamily family)
    {
        var groups = family.Samples.GroupBy(sample => Canonical(sample.Labels.Where(label => label.Key != "le")));
        foreach (var series in groups)
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            var sums = series.Where(s => s.Name == family.Name + "_sum").ToList();
            var counts = series.Where(s => s.Name == family.Name + "_count").ToList();
            if (series.Any(s => s.Name == family.Name + "_bucket" != s.Labels.ContainsKey("le")))
            {
                throw new FormatException($"histogram {family.Name}: le must be on buckets and only on buckets");
            }

            if (buckets.Count == 0 || sums.Count != 1 || counts.Count != 1 || buckets.Count + 2 != series.Count())
            {
                throw new FormatException($"histogram {family.Name}{series.Key} needs buckets, one _sum and one _count");
            }

            var previousBound = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var bucket in buckets)
            {
                var bound = ParseValue(bucket.Labels["le"], 0);
                if (bound <= previousBound)
                {
                    throw new FormatException($"histogram {family.Name}{series.Key}: le {bound} is not increasing");
                }

                if (bucket.Value < previousCount)
                {
                    throw new FormatException($"histogram {family.Name}{series.Key}: bucket le={bound} is not cumulative");
                }

                (previousBound, previousCount) = (bound, bucket.Value);
            }

            if (!double.IsPositiveInfinity(previousBound))
            {
                throw new FormatException($"histogram {family.Name}{series.Key} lacks the +Inf bucket");
            }

            if (previousCount != counts[0].Value)
            {
                throw new FormatException($"histogram {family.Name}{series.Key}: +Inf bucket {previousCount} differs from _count {counts[0].Value}");
            }
        }
    }

    private static string ReadWhile(string line, ref int position, Func<char, bool, bool> accept)
    {
        var start = position;
        while (position < line.Length && accept(line[position], position == start))
        {
            position++;
        }

        return line[start..position];
    }

    private static void Expect(string line, ref int position, char expected, int number)
    {
        if (position >= line.Length || line[position] != expected)
        {
            throw Error(number, $"expected '{expected}' at column {position + 1}");
        }

        position++;
    }

    private static string Canonical(IEnumerable<KeyValuePair<string, string>> labels) =>
        "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value.Length}:{l.Value}")) + "}";

    private static FormatException Error(int line, string message) => new($"line {line}: {message}");

    [GeneratedRegex(@"^#[ \t]+(?<keyword>HELP|TYPE)[ \t]+(?<name>\S+)(?:[ \t](?<rest>.*))?$")]
    private static partial Regex CommentLine();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")]
    private static partial Regex GoFloat();
}

/// <summary>A parsed exposition: families in the order they appeared.</summary>
public sealed class Exposition(IReadOnlyList<ParsedFamily> families)
{
    public IReadOnlyList<ParsedFamily> Families { get; } = families;

    public ParsedFamily Family(string name) =>
        Families.SingleOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"no family {name}; have {string.Join(", ", Families.Select(f => f.Name))}");

    public bool Has(string name) => Families.Any(f => f.Name == name);

    /// <summary>The single sample named <paramref name="sampleName"/> whose labels include every given pair.</summary>
    public double Value(string sampleName, params (string Name, string Value)[] labels)
    {
        var matches = Families.SelectMany(f => f.Samples)
            .Where(s => s.Name == sampleName && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))
            .ToList();
        return matches.Count == 1
            ? matches[0].Value
            : throw new KeyNotFoundException($"{matches.Count} samples {sampleName} match {string.Join(",", labels)}");
    }
}

public sealed class ParsedFamily(string name)
{
    public string Name { get; } = name;

    public string? Help { get; set; }

    public string? Type { get; set; }

    public List<ParsedSample> Samples { get; } = [];
}

public sealed record ParsedSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? Timestamp);
