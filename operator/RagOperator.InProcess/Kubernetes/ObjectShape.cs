using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>How a list merges: replaced whole (atomic), as a set of scalars, or as a map keyed by some item fields.</summary>
internal enum ListMergeKind
{
    Atomic,
    Set,
    Map,
}

/// <summary>The merge semantics of one list field.</summary>
/// <param name="Kind">Atomic, set or map.</param>
/// <param name="Keys">For map lists, the item fields that identify an item.</param>
/// <param name="KeyDefaults">Values assumed for key fields an item leaves out (e.g. a port's protocol is TCP).</param>
internal sealed record ListSemantics(ListMergeKind Kind, IReadOnlyList<string> Keys, IReadOnlyDictionary<string, JsonNode?> KeyDefaults)
{
    public static ListSemantics Atomic { get; } = new(ListMergeKind.Atomic, [], new Dictionary<string, JsonNode?>());

    public static ListSemantics Set { get; } = new(ListMergeKind.Set, [], new Dictionary<string, JsonNode?>());

    public static ListSemantics MapBy(params string[] keys) => new(ListMergeKind.Map, keys, new Dictionary<string, JsonNode?>());

    /// <summary>The identity of a list item: its key fields (defaulted where missing), sorted by name.</summary>
    public JsonObject? KeyOf(JsonNode? item)
    {
        if (Kind != ListMergeKind.Map || item is not JsonObject obj)
        {
            return null;
        }

        var key = new JsonObject();
        foreach (var name in Keys.Order(StringComparer.Ordinal))
        {
            if (obj.TryGetPropertyValue(name, out var value) && value is not null)
            {
                key[name] = value.DeepClone();
            }
            else if (KeyDefaults.TryGetValue(name, out var fallback) && fallback is not null)
            {
                key[name] = fallback.DeepClone();
            }
        }

        return key;
    }
}

/// <summary>
/// The structure of an object type that patches and server-side apply need: list semantics and atomic maps.
/// Paths are the field names from the object root; list items are transparent (so a container's ports are at
/// <c>spec.template.spec.containers.ports</c>).
/// </summary>
internal interface IObjectShape
{
    ListSemantics ListAt(IReadOnlyList<string> path);

    /// <summary>Whether the object at this path is replaced as a whole (x-kubernetes-map-type: atomic).</summary>
    bool IsAtomicObject(IReadOnlyList<string> path);
}

/// <summary>
/// Shape of the built-in kinds, from the patchMergeKey / listType markers of the Kubernetes Go types that
/// matter to an operator (containers, ports, env, volumes, conditions, ...). Any other list is atomic.
/// </summary>
internal sealed class BuiltInShape : IObjectShape
{
    public static BuiltInShape Instance { get; } = new();

    private static readonly string[] ContainerLists = ["containers", "initContainers", "ephemeralContainers"];

    public ListSemantics ListAt(IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return ListSemantics.Atomic;
        }

        var field = path[^1];
        var parent = path.Count > 1 ? path[^2] : "";
        return field switch
        {
            "finalizers" when parent == "metadata" => ListSemantics.Set,
            "ownerReferences" when parent == "metadata" => ListSemantics.MapBy("uid"),
            "containers" or "initContainers" or "ephemeralContainers" => ListSemantics.MapBy("name"),
            "ports" when ContainerLists.Contains(parent) => WithProtocolDefault("containerPort", "protocol"),
            "ports" when parent == "spec" => WithProtocolDefault("port", "protocol"),
            "env" or "volumes" or "imagePullSecrets" or "resourceClaims" => ListSemantics.MapBy("name"),
            "volumeMounts" => ListSemantics.MapBy("mountPath"),
            "volumeDevices" => ListSemantics.MapBy("devicePath"),
            "conditions" => ListSemantics.MapBy("type"),
            "hostAliases" => ListSemantics.MapBy("ip"),
            "topologySpreadConstraints" => ListSemantics.MapBy("topologyKey", "whenUnsatisfiable"),
            _ => ListSemantics.Atomic,
        };
    }

    public bool IsAtomicObject(IReadOnlyList<string> path) =>
        // Label selectors are +structType=atomic / +mapType=atomic in the Go types: replaced, never merged key by key.
        path.Count > 0 && path[^1] is "selector" or "labelSelector" or "namespaceSelector";

    private static ListSemantics WithProtocolDefault(string port, string protocol) =>
        new(ListMergeKind.Map, [port, protocol], new Dictionary<string, JsonNode?> { [protocol] = JsonValue.Create("TCP") });
}

/// <summary>Shape of a custom resource, read from the CRD's structural schema (x-kubernetes-list-type etc.).</summary>
internal sealed class SchemaShape(JsonObject openApiV3Schema) : IObjectShape
{
    public ListSemantics ListAt(IReadOnlyList<string> path)
    {
        if (path.Count > 0 && path[0] == "metadata")
        {
            return BuiltInShape.Instance.ListAt(path);
        }

        if (Find(path) is not { } node)
        {
            return ListSemantics.Atomic;
        }

        var listType = node["x-kubernetes-list-type"]?.GetValue<string>();
        switch (listType)
        {
            case "set":
                return ListSemantics.Set;
            case "map":
                var keys = node["x-kubernetes-list-map-keys"]?.AsArray().Select(k => k!.GetValue<string>()).ToArray() ?? [];
                var defaults = new Dictionary<string, JsonNode?>();
                if (node["items"]?["properties"] is JsonObject itemProperties)
                {
                    foreach (var key in keys)
                    {
                        if (itemProperties[key]?["default"] is { } fallback)
                        {
                            defaults[key] = fallback.DeepClone();
                        }
                    }
                }

                return new ListSemantics(ListMergeKind.Map, keys, defaults);
            default:
                return ListSemantics.Atomic;
        }
    }

    public bool IsAtomicObject(IReadOnlyList<string> path) =>
        !(path.Count > 0 && path[0] == "metadata")
        && Find(path) is { } node
        && (node["x-kubernetes-map-type"]?.GetValue<string>() is "atomic");

    private JsonObject? Find(IReadOnlyList<string> path)
    {
        JsonObject? node = openApiV3Schema;
        foreach (var segment in path)
        {
            node = SkipItems(node);
            if (node is null)
            {
                return null;
            }

            if (node["properties"] is JsonObject properties && properties[segment] is JsonObject property)
            {
                node = property;
            }
            else if (node["additionalProperties"] is JsonObject additional)
            {
                node = additional;
            }
            else
            {
                return null;
            }
        }

        return node;
    }

    private static JsonObject? SkipItems(JsonObject? node)
    {
        // List items are transparent in paths, so step into "items" until a non-array schema is reached.
        for (var depth = 0; node is not null && node["type"]?.GetValue<string>() == "array" && depth < 32; depth++)
        {
            node = node["items"] as JsonObject;
        }

        return node;
    }
}
