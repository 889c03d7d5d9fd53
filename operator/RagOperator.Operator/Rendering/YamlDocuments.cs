using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RagOperator.Operator.Rendering;

/// <summary>
/// Multi-document YAML to JSON trees, resolving plain scalars with the YAML 1.2 core schema the way the API server
/// (sigs.k8s.io/yaml) does: <c>null</c>/<c>~</c>, <c>true</c>/<c>false</c>, integers and floats; quoted scalars are
/// always strings.
/// </summary>
public static partial class YamlDocuments
{
    /// <summary>Every non-empty document of <paramref name="yaml"/>, with its 1-based starting line.</summary>
    /// <exception cref="YamlException">The text is not valid YAML (the message carries line and column).</exception>
    public static IReadOnlyList<(int Line, JsonNode? Node)> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" } || d.RootNode.Tag.Value is { Length: > 0 })
            .Select(d => ((int)d.RootNode.Start.Line, Convert(d.RootNode)))
            .ToList();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => Mapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}"),
    };

    private static JsonObject Mapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
                throw new YamlException(key.Start, key.End, "mapping keys must be strings");
            if (result.ContainsKey(name))
                throw new YamlException(key.Start, key.End, $"duplicate key \"{name}\"");
            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(text);
        if (text is "" or "~" or "null" or "Null" or "NULL") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return JsonValue.Create(number);
        return JsonValue.Create(text);
    }

    /// <summary>True when a plain scalar with this text would not read back as the same string.</summary>
    public static bool NeedsQuotes(string text) =>
        text.Length == 0 || text is "~" or "null" or "Null" or "NULL" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
                         or "yes" or "no" or "on" or "off" or "y" or "n" or "Yes" or "No" or "On" or "Off"
        || IntegerPattern().IsMatch(text) || FloatPattern().IsMatch(text) || OctalOrHexPattern().IsMatch(text);

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex("^0[xo][0-9a-fA-F]+$")]
    private static partial Regex OctalOrHexPattern();
}
