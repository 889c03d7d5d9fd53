using System.Text.Json.Nodes;
using RagOperator.Deploy.Tests.Infrastructure;
using RagOperator.TestSupport.Manifests;

namespace RagOperator.Deploy.Tests;

/// <summary>values.yaml, values.schema.json and the chart README describe the same values.</summary>
public sealed class ChartDocumentationTests
{
    // Values that hold Kubernetes objects or free-form maps are documented as a whole, not key by key.
    private static readonly HashSet<string> FreeForm = new(StringComparer.Ordinal)
    {
        "resources", "podSecurityContext", "securityContext", "affinity", "nodeSelector", "commonLabels", "podLabels",
        "podAnnotations", "serviceMonitor.labels", "grafanaDashboard.labels", "grafanaDashboard.annotations",
        "metrics.service.annotations", "serviceAccount.annotations",
    };

    private static readonly Lazy<JsonObject> Values = new(() => YamlDocuments.Load(Repository.Read("charts", "rag-operator", "values.yaml")).Single());
    private static readonly Lazy<JsonObject> Schema = new(() => JsonNode.Parse(Repository.Read("charts", "rag-operator", "values.schema.json"))!.AsObject());

    [Fact]
    public void The_readme_documents_every_value()
    {
        var readme = Repository.Read("charts", "rag-operator", "README.md");

        var undocumented = Leaves(Values.Value, string.Empty).Where(path => !readme.Contains($"| `{path}` |", StringComparison.Ordinal));

        undocumented.Should().BeEmpty("every value needs a row in charts/rag-operator/README.md");
    }

    [Fact]
    public void The_schema_describes_every_value_and_forbids_unknown_top_level_keys()
    {
        var schema = Schema.Value;

        schema["$schema"]!.GetValue<string>().Should().Be("http://json-schema.org/draft-07/schema#");
        schema["additionalProperties"]!.GetValue<bool>().Should().BeFalse();
        foreach (var path in Leaves(Values.Value, string.Empty))
        {
            SchemaFor(schema, path).Should().NotBeNull($"values.schema.json must describe {path}");
        }
    }

    [Fact]
    public void Every_value_in_values_yaml_carries_a_comment()
    {
        var lines = Repository.Read("charts", "rag-operator", "values.yaml").Split('\n');

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var isTopLevelKey = line.Length > 0 && char.IsAsciiLetter(line[0]) && line.Contains(':', StringComparison.Ordinal);
            if (isTopLevelKey && !line.TrimEnd().EndsWith(':'))
            {
                lines[i - 1].TrimStart().Should().StartWith("#", $"top-level value `{line}` needs a comment above it");
            }
        }
    }

    [Fact]
    public void The_chart_is_versioned_for_the_operator_release()
    {
        var chart = YamlDocuments.Load(Repository.Read("charts", "rag-operator", "Chart.yaml")).Single();

        chart["apiVersion"]!.GetValue<string>().Should().Be("v2");
        chart["appVersion"]!.GetValue<string>().Should().Be("0.1.0");
        File.Exists(Repository.Path("charts", "rag-operator", "templates", "NOTES.txt")).Should().BeTrue();
    }

    private static IEnumerable<string> Leaves(JsonObject node, string prefix)
    {
        foreach (var (key, value) in node)
        {
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (value is JsonObject child && !FreeForm.Contains(path) && child.Count > 0)
            {
                foreach (var leaf in Leaves(child, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    private static JsonNode? SchemaFor(JsonObject schema, string path)
    {
        JsonNode? node = schema;
        foreach (var segment in path.Split('.'))
        {
            node = node?["properties"]?[segment];
        }

        return node;
    }
}
