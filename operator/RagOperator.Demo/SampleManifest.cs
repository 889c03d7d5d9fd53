using System.Text.Json.Nodes;
using RagOperator.InProcess.Kubernetes;

namespace RagOperator.Demo;

/// <summary>
/// The sample VectorCollection with the demo's overrides applied (shards, dimension, router replicas), and the
/// API-key Secrets it references. The manifest is edited as JSON and handed to the sandbox as YAML (JSON is YAML),
/// so the applied object is the sample plus exactly the overridden fields.
/// </summary>
public sealed record SampleManifest(string Name, int Shards, int Dimension, int Routers, JsonObject Document)
{
    public (string Name, string Key)? QdrantSecret => SecretRef("qdrant");

    public (string Name, string Key)? RouterSecret => SecretRef("router");

    public string ToYaml() => Document.ToJsonString();

    public static SampleManifest Load(string path, DemoOptions options)
    {
        var documents = YamlJson.ParseAll(File.ReadAllText(path)).OfType<JsonObject>()
            .Where(d => d["kind"]?.GetValue<string>() == "VectorCollection")
            .ToList();
        if (documents.Count != 1)
        {
            throw new InvalidOperationException($"{path} must hold exactly one VectorCollection, found {documents.Count}");
        }

        var document = documents[0];
        var spec = document["spec"] as JsonObject ?? throw new InvalidOperationException($"{path}: the VectorCollection has no spec");
        if (options.FromShards is { } shards) spec["shards"] = shards;
        if (options.Dimension is { } dimension) spec["dimension"] = dimension;
        if (options.Routers is { } routers)
        {
            var router = spec["router"] as JsonObject ?? new JsonObject();
            router["replicas"] = routers;
            spec["router"] = router;
        }

        var name = document["metadata"]?["name"]?.GetValue<string>() ?? throw new InvalidOperationException($"{path}: the VectorCollection has no metadata.name");
        if (spec["sharding"]?["strategy"]?.GetValue<string>() is { } strategy && strategy != "hash")
        {
            throw new InvalidOperationException($"{path}: the demo measures hash sharding, but the sample uses strategy {strategy}");
        }

        return new SampleManifest(
            name,
            Int(spec["shards"]) ?? 1,
            Int(spec["dimension"]) ?? throw new InvalidOperationException($"{path}: spec.dimension is missing"),
            Int(spec["router"]?["replicas"]) ?? 2,
            document);
    }

    /// <summary>A YAML integer, whichever numeric type the parser chose for it.</summary>
    private static int? Int(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<long>(out var number) ? checked((int)number)
        : value.TryGetValue<int>(out var small) ? small
        : int.Parse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture)
        : null;

    private (string Name, string Key)? SecretRef(string section) =>
        Document["spec"]?[section]?["apiKeySecretRef"] is JsonObject reference
            ? (reference["name"]!.GetValue<string>(), reference["key"]?.GetValue<string>() ?? "api-key")
            : null;
}
