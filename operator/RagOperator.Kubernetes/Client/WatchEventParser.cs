using System.Text.Json;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Client;

/// <summary>Parses one line of a watch stream: <c>{"type":"ADDED","object":{...}}</c>.</summary>
public static class WatchEventParser
{
    /// <exception cref="KubernetesApiException">The line is an ERROR event (its object is a metav1.Status).</exception>
    /// <exception cref="JsonException">The line is not a watch event.</exception>
    public static WatchEvent<T> Parse<T>(string line)
        where T : class, IKubernetesObject
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("type", out var typeElement)
            || !root.TryGetProperty("object", out var objectElement))
            throw new JsonException($"not a watch event: {Truncate(line)}");

        var type = typeElement.GetString() switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            var other => throw new JsonException($"unknown watch event type '{other}'"),
        };
        if (type == WatchEventType.Error)
        {
            var status = KubernetesJson.Deserialize<Status>(objectElement);
            // The 410 for an expired watch version arrives as an ERROR event with code 410 and reason Expired.
            throw KubernetesApiException.From(status);
        }
        return new WatchEvent<T>(type, KubernetesJson.Deserialize<T>(objectElement));
    }

    private static string Truncate(string line) => line.Length <= 200 ? line : line[..200] + "…";
}
