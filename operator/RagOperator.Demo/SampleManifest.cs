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

    /// <summary>The sample with the demo's overrides; the demo measures hash sharding, so another strategy is refused.</summary>
    public static SampleManifest Load(string path, DemoOptions options) =>
        Load(path, options.FromShards, options.Dimension, options.Routers, hashOnly: true);

    /// <summary>The sample with the given overrides (null keeps the sample's value).</summary>
    public static SampleManifest Load(string path, int? shards, int? dimension, int? routers, bool hashOnly, bool disableTls = false)
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
        if (shards is { } shardCount) spec["shards"] = shardCount;
        if (dimension is { } dimensionValue) spec["dimension"] = dimensionValue;
        if (routers is { } routerCount)
        {
            var router = spec["router"] as JsonObject ?? new JsonObject();
            router["replicas"] = routerCount;
            spec["router"] = router;
        }

        if (disableTls)
        {
            var tls = spec["tls"] as JsonObject ?? new JsonObject();
            tls["mode"] = "Disabled";
            spec["tls"] = tls;
        }

        var name = document["metadata"]?["name"]?.GetValue<string>() ?? throw new InvalidOperationException($"{path}: the VectorCollection has no metadata.name");
        if (hashOnly && spec["sharding"]?["strategy"]?.GetValue<string>() is { } strategy && strategy != "hash")
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

    /// <summary>spec.distance as written in the sample; Cosine, the API's default, when it names none.</summary>
    public string Distance => Document["spec"]?["distance"]?.GetValue<string>() ?? "Cosine";

    /// <summary>
    /// Creates the Secrets the sample references with fresh random 256-bit keys; the keys are returned for the caller's
    /// own clients, and <paramref name="created"/> hears the name and key name of each Secret (never its value).
    /// </summary>
    public async Task<(string? Qdrant, string? Router)> CreateSecretsAsync(
        Sandbox.Sandbox sandbox, Action<string, string> created, CancellationToken cancellationToken)
    {
        async Task<string?> CreateAsync((string Name, string Key)? reference)
        {
            if (reference is not { } secret) return null;
            var key = System.Security.Cryptography.RandomNumberGenerator.GetHexString(64, lowercase: true);
            await sandbox.CreateSecretAsync(secret.Name, secret.Key, key, cancellationToken: cancellationToken);
            created(secret.Name, secret.Key);
            return key;
        }

        return (await CreateAsync(QdrantSecret), await CreateAsync(RouterSecret));
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
