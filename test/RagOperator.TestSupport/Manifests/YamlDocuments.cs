using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RagOperator.TestSupport.Manifests;

/// <summary>
/// Reads multi-document YAML (what <c>helm template</c>, <c>kubectl kustomize</c> and the operator's <c>render</c>
/// print) into JSON objects. Plain scalars are typed with the YAML 1.2 core schema (null, booleans, integers,
/// floats) exactly as the Kubernetes YAML decoder does; quoted and block scalars stay strings. Empty documents
/// (a lone <c>---</c> or only comments) are skipped; a document that is not a mapping is an error.
/// </summary>
public static partial class YamlDocuments
{
    public static IReadOnlyList<JsonObject> Load(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }

        var documents = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            var root = document.RootNode;
            if (root is YamlScalarNode { Value: null or "" } scalar && scalar.Style == ScalarStyle.Plain)
            {
                continue;
            }

            documents.Add(Convert(root) as JsonObject
                ?? throw new FormatException($"A manifest document must be a mapping (line {root.Start.Line})."));
        }

        return documents;
    }

    public static IReadOnlyList<JsonObject> LoadFile(string path) => Load(File.ReadAllText(path));

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new FormatException($"Unexpected YAML node {node.NodeType}."),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? throw new FormatException($"Only scalar keys are supported (line {key.Start.Line}).");
            if (result.ContainsKey(name))
            {
                throw new FormatException($"Duplicate key '{name}' at line {key.Start.Line}.");
            }

            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str"))
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (DecimalInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
