using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Validation;
using YamlDotNet.Core;

namespace RagOperator.Operator.Rendering;

/// <summary>The API objects found in manifest files.</summary>
public sealed record ManifestSet(IReadOnlyList<VectorCollection> Collections, IReadOnlyList<VectorNodePool> NodePools, IReadOnlyList<string> Notices);

/// <summary>
/// Reads VectorCollections and VectorNodePools from YAML files the way the API server would: schema defaults from
/// the C# initializers (the CRD's defaults are generated from them), unknown fields, bounds, patterns and CEL rules
/// rejected with the file, line and field. Kustomization files are skipped with a notice; any other kind is an error.
/// </summary>
public static class ManifestReader
{
    public static ManifestSet Read(IEnumerable<(string Path, string Text)> files, string defaultNamespace)
    {
        var collections = new List<VectorCollection>();
        var pools = new List<VectorNodePool>();
        var notices = new List<string>();
        foreach (var (path, text) in files)
        {
            IReadOnlyList<(int Line, JsonNode? Node)> documents;
            try
            {
                documents = YamlDocuments.Parse(text);
            }
            catch (YamlException e)
            {
                // The innermost YAML error carries the position of the actual problem.
                var inner = Innermost(e) as YamlException ?? e;
                throw new ManifestException($"{path}:{inner.Start.Line}:{inner.Start.Column}", null, $"invalid YAML: {inner.Message}", e);
            }

            foreach (var (line, node) in documents)
            {
                var source = $"{path}:{line}";
                if (node is not JsonObject manifest) throw new ManifestException(source, null, "a manifest must be a YAML mapping with apiVersion and kind");
                var apiVersion = manifest["apiVersion"]?.GetValueKind() == JsonValueKind.String ? manifest["apiVersion"]!.GetValue<string>() : null;
                var kind = manifest["kind"]?.GetValueKind() == JsonValueKind.String ? manifest["kind"]!.GetValue<string>() : null;
                if (apiVersion is null) throw new ManifestException(source, "apiVersion", "Required value");
                if (kind is null) throw new ManifestException(source, "kind", "Required value");
                if (kind == "Kustomization" && apiVersion.StartsWith("kustomize.config.k8s.io/", StringComparison.Ordinal))
                {
                    notices.Add($"{path}: skipped a kustomize Kustomization (render reads the resources themselves)");
                    continue;
                }

                if (apiVersion == ApiGroup.ApiVersion && kind is VectorSnapshot.KindName or VectorRestore.KindName)
                {
                    // Snapshots and restores act on running shards; they have no manifests of their own to render.
                    notices.Add($"{path}: skipped {kind} {manifest["metadata"]?["name"]} (it creates no objects to render)");
                    continue;
                }

                if (apiVersion != ApiGroup.ApiVersion || kind is not (VectorCollection.KindName or VectorNodePool.KindName))
                    throw new ManifestException(source, "kind",
                        $"unknown kind {apiVersion}/{kind}; render reads {ApiGroup.ApiVersion} {VectorCollection.KindName} and {VectorNodePool.KindName}");

                if (kind == VectorCollection.KindName)
                {
                    var collection = Deserialize<VectorCollection>(manifest, source);
                    collection.Metadata.Namespace ??= defaultNamespace;
                    Check(source, collection.Metadata.Name, kind, SpecValidator.Validate(collection));
                    collections.Add(collection);
                }
                else
                {
                    var pool = Deserialize<VectorNodePool>(manifest, source);
                    Check(source, pool.Metadata.Name, kind, SpecValidator.Validate(pool));
                    pools.Add(pool);
                }
            }
        }

        return new ManifestSet(collections, pools, notices);
    }

    private static T Deserialize<T>(JsonObject manifest, string source)
        where T : class, IKubernetesObject
    {
        var name = manifest["metadata"]?["name"]?.ToString();
        var described = $"{source} ({typeof(T).Name} {name})";
        if (UnknownFields.Find(manifest, typeof(T)) is [var first, ..])
            throw new ManifestException(described, first.Field, first.Message);
        try
        {
            return manifest.Deserialize<T>(KubernetesJson.Options) ?? throw new ManifestException(described, null, "empty manifest");
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } jsonPath ? jsonPath.TrimStart('$', '.') : null;
            throw new ManifestException(described, field, $"invalid value: {e.Message.Split(" Path:", 2)[0]}", e);
        }
    }

    private static void Check(string source, string? name, string kind, IReadOnlyList<SpecProblem> problems)
    {
        if (problems is [var first, ..])
        {
            var rest = problems.Count > 1 ? $" (and {problems.Count - 1} more: {string.Join("; ", problems.Skip(1))})" : "";
            throw new ManifestException($"{source} ({kind} {name})", first.Field, first.Message + rest);
        }
    }

    private static Exception Innermost(Exception e) => e.InnerException is YamlException inner ? Innermost(inner) : e;
}
