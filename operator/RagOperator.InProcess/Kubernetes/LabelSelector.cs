using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>The operators of a label selector requirement.</summary>
internal enum SelectorOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// <summary>One requirement of a label selector, e.g. <c>tier in (a,b)</c>.</summary>
internal sealed record LabelRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            SelectorOperator.Equals or SelectorOperator.In => has && Values.Contains(value!),
            // != and notin also match objects without the label, as in labels.Selector.
            SelectorOperator.NotEquals or SelectorOperator.NotIn => !has || !Values.Contains(value!),
            SelectorOperator.Exists => has,
            SelectorOperator.DoesNotExist => !has,
            SelectorOperator.GreaterThan => has && long.TryParse(value, CultureInfo.InvariantCulture, out var n) && n > long.Parse(Values[0], CultureInfo.InvariantCulture),
            SelectorOperator.LessThan => has && long.TryParse(value, CultureInfo.InvariantCulture, out var m) && m < long.Parse(Values[0], CultureInfo.InvariantCulture),
            _ => false,
        };
    }
}

/// <summary>
/// A parsed label selector in the string syntax of <c>?labelSelector=</c> (<c>=</c>, <c>==</c>, <c>!=</c>,
/// <c>in</c>, <c>notin</c>, <c>key</c>, <c>!key</c>, <c>gt</c>/<c>lt</c> as <c>&gt;</c>/<c>&lt;</c>) or from a
/// metav1.LabelSelector object (matchLabels / matchExpressions). All requirements must hold.
/// </summary>
internal sealed partial class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool matchesNothing = false)
    {
        Requirements = requirements;
        MatchesNothing = matchesNothing;
    }

    public static LabelSelector Everything { get; } = new([]);

    /// <summary>A null metav1.LabelSelector selects nothing (an empty one selects everything).</summary>
    public static LabelSelector Nothing { get; } = new([], matchesNothing: true);

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    public bool MatchesNothing { get; }

    public bool IsEverything => Requirements.Count == 0 && !MatchesNothing;

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        !MatchesNothing && Requirements.All(r => r.Matches(labels));

    public bool Matches(JsonObject obj) => Matches(Meta.Labels(obj));

    /// <summary>Parses the string form; throws 400 Bad Request on syntax errors, as the real server does.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<LabelRequirement>();
        foreach (var term in SplitTopLevel(text))
        {
            requirements.Add(ParseRequirement(term.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    /// <summary>Builds a selector from a metav1.LabelSelector object (null selects nothing).</summary>
    public static LabelSelector FromObject(JsonObject? selector)
    {
        if (selector is null)
        {
            return Nothing;
        }

        var requirements = new List<LabelRequirement>();
        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels)
            {
                requirements.Add(new LabelRequirement(key, SelectorOperator.Equals, [JsonTree.GetString(value) ?? ""]));
            }
        }

        if (selector["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions.OfType<JsonObject>())
            {
                var key = JsonTree.GetString(expression["key"]) ?? "";
                var values = expression["values"] is JsonArray list ? list.Select(v => JsonTree.GetString(v) ?? "").ToList() : [];
                var op = JsonTree.GetString(expression["operator"]) switch
                {
                    "In" => SelectorOperator.In,
                    "NotIn" => SelectorOperator.NotIn,
                    "Exists" => SelectorOperator.Exists,
                    "DoesNotExist" => SelectorOperator.DoesNotExist,
                    var other => throw ApiErrors.BadRequest($"\"{other}\" is not a valid label selector operator"),
                };
                requirements.Add(new LabelRequirement(key, op, values));
            }
        }

        return new LabelSelector(requirements);
    }

    /// <summary>Builds an equality selector from a plain label map (a Service's spec.selector).</summary>
    public static LabelSelector FromMap(JsonObject? map)
    {
        if (map is null || map.Count == 0)
        {
            return Nothing;
        }

        return new LabelSelector(map.Select(p => new LabelRequirement(p.Key, SelectorOperator.Equals, [JsonTree.GetString(p.Value) ?? ""])).ToList());
    }

    private static LabelRequirement ParseRequirement(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw ApiErrors.BadRequest($"unable to parse requirement: found '', expected: identifier in selector \"{whole}\"");
        }

        if (term.StartsWith('!'))
        {
            return new LabelRequirement(ValidKey(term[1..].Trim(), whole), SelectorOperator.DoesNotExist, []);
        }

        var setMatch = SetRequirement().Match(term);
        if (setMatch.Success)
        {
            var values = setMatch.Groups["values"].Value
                .Split(',', StringSplitOptions.TrimEntries)
                .Where(v => v.Length > 0)
                .Select(v => ValidValue(v, whole))
                .ToList();
            var op = setMatch.Groups["op"].Value == "in" ? SelectorOperator.In : SelectorOperator.NotIn;
            if (values.Count == 0 && op == SelectorOperator.In)
            {
                throw ApiErrors.BadRequest($"unable to parse requirement: for 'in' operator, values set can't be empty in selector \"{whole}\"");
            }

            return new LabelRequirement(ValidKey(setMatch.Groups["key"].Value, whole), op, values);
        }

        foreach (var (token, op) in new[]
                 {
                     ("!=", SelectorOperator.NotEquals), ("==", SelectorOperator.Equals), ("=", SelectorOperator.Equals),
                     (">", SelectorOperator.GreaterThan), ("<", SelectorOperator.LessThan),
                 })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var key = ValidKey(term[..at].Trim(), whole);
            var value = term[(at + token.Length)..].Trim();
            if (op is SelectorOperator.GreaterThan or SelectorOperator.LessThan && !long.TryParse(value, CultureInfo.InvariantCulture, out _))
            {
                throw ApiErrors.BadRequest($"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer in selector \"{whole}\"");
            }

            return new LabelRequirement(key, op, [ValidValue(value, whole)]);
        }

        if (term.Contains(' ', StringComparison.Ordinal) || term.Contains('(', StringComparison.Ordinal))
        {
            throw ApiErrors.BadRequest($"unable to parse requirement: found '{term}', expected: in, notin, =, ==, !=, gt, lt in selector \"{whole}\"");
        }

        return new LabelRequirement(ValidKey(term, whole), SelectorOperator.Exists, []);
    }

    private static string ValidKey(string key, string whole)
    {
        if (!MetadataValidation.IsQualifiedName(key))
        {
            throw ApiErrors.BadRequest($"unable to parse requirement: invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character in selector \"{whole}\"");
        }

        return key;
    }

    private static string ValidValue(string value, string whole)
    {
        if (!MetadataValidation.IsLabelValue(value))
        {
            throw ApiErrors.BadRequest($"unable to parse requirement: invalid label value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character in selector \"{whole}\"");
        }

        return value;
    }

    /// <summary>Splits on commas that are not inside an in/notin value list.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    [GeneratedRegex(@"^(?<key>[^\s!=<>()]+)\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$")]
    private static partial Regex SetRequirement();

    public override string ToString() => string.Join(",", Requirements.Select(r => r.Operator switch
    {
        SelectorOperator.Equals => $"{r.Key}={r.Values[0]}",
        SelectorOperator.NotEquals => $"{r.Key}!={r.Values[0]}",
        SelectorOperator.In => $"{r.Key} in ({string.Join(",", r.Values)})",
        SelectorOperator.NotIn => $"{r.Key} notin ({string.Join(",", r.Values)})",
        SelectorOperator.Exists => r.Key,
        SelectorOperator.DoesNotExist => "!" + r.Key,
        SelectorOperator.GreaterThan => $"{r.Key}>{r.Values[0]}",
        _ => $"{r.Key}<{r.Values[0]}",
    }));
}
