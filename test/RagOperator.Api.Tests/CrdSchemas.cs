using System.Text.Json.Nodes;
using RagOperator.InProcess.Validation;

namespace RagOperator.Api.Tests;

/// <summary>
/// The generated CRDs in <c>crds/</c>, parsed once, and the API server's admission pipeline for custom resources
/// (prune, default, validate) applied with them — the same steps and order as kube-apiserver.
/// </summary>
internal static class CrdSchemas
{
    private static readonly Lazy<IReadOnlyDictionary<string, JsonObject>> Crds = new(LoadCrds);
    private static readonly Lazy<IReadOnlyDictionary<string, StructuralSchema>> Schemas = new(
        () => Crds.Value.ToDictionary(kv => kv.Key, kv => StructuralSchema.Parse(OpenApiSchema(kv.Value))));

    /// <summary>Every CRD in <c>crds/</c> keyed by its kind.</summary>
    public static IReadOnlyDictionary<string, JsonObject> ByKind => Crds.Value;

    public static StructuralSchema For(string kind) =>
        Schemas.Value.TryGetValue(kind, out var schema) ? schema : throw new KeyNotFoundException($"no CRD in crds/ for kind {kind}");

    public static JsonObject OpenApiSchema(JsonObject crd) =>
        crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    /// <summary>What the API server stores on create or update: the pruned, defaulted object and its validation errors.</summary>
    public static (JsonObject Stored, IReadOnlyList<FieldError> Errors) Admit(JsonObject obj, JsonObject? old = null)
    {
        var kind = obj["kind"]!.GetValue<string>();
        var schema = For(kind);
        var stored = obj.DeepClone().AsObject();
        SchemaPruner.Prune(schema, stored);
        SchemaDefaulter.ApplyDefaults(schema, stored);
        return (stored, SchemaValidator.Validate(schema, stored, old));
    }

    /// <summary>The CRD files in <c>crds/</c>: every YAML file but the kustomization that lists them.</summary>
    public static IEnumerable<string> CrdFiles() =>
        Directory.GetFiles(Repository.Path("crds"), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .Order(StringComparer.Ordinal);

    private static Dictionary<string, JsonObject> LoadCrds()
    {
        var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var file in CrdFiles())
        {
            foreach (var crd in YamlJson.LoadFile(file).Where(d => d["kind"]?.GetValue<string>() == "CustomResourceDefinition"))
            {
                result.Add(crd["spec"]!["names"]!["kind"]!.GetValue<string>(), crd);
            }
        }
        return result;
    }
}
