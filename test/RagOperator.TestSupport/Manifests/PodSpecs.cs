using System.Text.Json.Nodes;

namespace RagOperator.TestSupport.Manifests;

/// <summary>A pod spec found in a manifest, with where it came from and the path to it.</summary>
public sealed record PodSpecSource(string Kind, string Name, string? Namespace, JsonObject Spec, JsonObject? Metadata, string SpecPath)
{
    public override string ToString() => $"{Kind} {Namespace}/{Name} ({SpecPath})";
}

/// <summary>
/// Finds every pod spec in a set of manifests: Pods, and the pod templates of Deployments, StatefulSets,
/// DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs; items of a <c>List</c> are searched too.
/// </summary>
public static class PodSpecs
{
    private static readonly Dictionary<string, string[]> TemplatePaths = new(StringComparer.Ordinal)
    {
        ["Pod"] = [],
        ["Deployment"] = ["spec", "template"],
        ["StatefulSet"] = ["spec", "template"],
        ["DaemonSet"] = ["spec", "template"],
        ["ReplicaSet"] = ["spec", "template"],
        ["ReplicationController"] = ["spec", "template"],
        ["Job"] = ["spec", "template"],
        ["CronJob"] = ["spec", "jobTemplate", "spec", "template"],
    };

    /// <summary>Every pod spec in multi-document YAML.</summary>
    public static IReadOnlyList<PodSpecSource> FromYaml(string yaml) => FromManifests(YamlDocuments.Load(yaml));

    /// <summary>Every pod spec in already parsed manifests.</summary>
    public static IReadOnlyList<PodSpecSource> FromManifests(IEnumerable<JsonObject> manifests)
    {
        var result = new List<PodSpecSource>();
        foreach (var manifest in manifests)
        {
            Collect(manifest, result);
        }

        return result;
    }

    private static void Collect(JsonObject manifest, List<PodSpecSource> result)
    {
        var kind = manifest["kind"]?.GetValue<string>() ?? string.Empty;
        if (kind.EndsWith("List", StringComparison.Ordinal) && manifest["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                Collect(item, result);
            }

            return;
        }

        if (!TemplatePaths.TryGetValue(kind, out var templatePath))
        {
            return;
        }

        JsonNode? template = manifest;
        foreach (var segment in templatePath)
        {
            template = (template as JsonObject)?[segment];
        }

        var metadata = manifest["metadata"] as JsonObject;
        var name = metadata?["name"]?.GetValue<string>() ?? "(unnamed)";
        if ((template as JsonObject)?["spec"] is not JsonObject spec)
        {
            throw new FormatException($"{kind} {name} has no pod spec at {string.Join('.', templatePath.Append("spec"))}.");
        }

        var specPath = string.Join('.', templatePath.Append("spec"));
        result.Add(new PodSpecSource(kind, name, metadata?["namespace"]?.GetValue<string>(), spec,
            (template as JsonObject)?["metadata"] as JsonObject, specPath));
    }
}
