using System.Globalization;
using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>An owner reference as the garbage collector reads it.</summary>
internal sealed record OwnerRef(string ApiVersion, string Kind, string Name, string Uid, bool Controller, bool BlockOwnerDeletion);

/// <summary>Typed access to the metadata of a raw object.</summary>
internal static class Meta
{
    public static JsonObject Of(JsonObject obj) => JsonTree.Child(obj, "metadata");

    public static string? Name(JsonObject obj) => JsonTree.GetString(JsonTree.At(obj, "metadata", "name"));

    public static string? Namespace(JsonObject obj) => JsonTree.GetString(JsonTree.At(obj, "metadata", "namespace"));

    public static string? Uid(JsonObject obj) => JsonTree.GetString(JsonTree.At(obj, "metadata", "uid"));

    public static string? ResourceVersion(JsonObject obj) => JsonTree.GetString(JsonTree.At(obj, "metadata", "resourceVersion"));

    public static long Generation(JsonObject obj) => JsonTree.GetLong(JsonTree.At(obj, "metadata", "generation")) ?? 0;

    public static bool IsTerminating(JsonObject obj) => JsonTree.At(obj, "metadata", "deletionTimestamp") is not null;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonTree.At(obj, "metadata", "labels") is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                labels[key] = JsonTree.GetString(value) ?? value?.ToJsonString() ?? "";
            }
        }

        return labels;
    }

    public static List<string> Finalizers(JsonObject obj) =>
        JsonTree.At(obj, "metadata", "finalizers") is JsonArray list
            ? list.Select(JsonTree.GetString).Where(f => f is not null).Select(f => f!).ToList()
            : [];

    public static void SetFinalizers(JsonObject obj, IReadOnlyCollection<string> finalizers)
    {
        var metadata = Of(obj);
        if (finalizers.Count == 0)
        {
            metadata.Remove("finalizers");
        }
        else
        {
            metadata["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }
    }

    public static List<OwnerRef> OwnerReferences(JsonObject obj)
    {
        var result = new List<OwnerRef>();
        if (JsonTree.At(obj, "metadata", "ownerReferences") is JsonArray refs)
        {
            foreach (var item in refs.OfType<JsonObject>())
            {
                result.Add(new OwnerRef(
                    JsonTree.GetString(item["apiVersion"]) ?? "",
                    JsonTree.GetString(item["kind"]) ?? "",
                    JsonTree.GetString(item["name"]) ?? "",
                    JsonTree.GetString(item["uid"]) ?? "",
                    JsonTree.GetBool(item["controller"]) ?? false,
                    JsonTree.GetBool(item["blockOwnerDeletion"]) ?? false));
            }
        }

        return result;
    }

    /// <summary>Kubernetes timestamps: RFC 3339 in UTC with second precision.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
