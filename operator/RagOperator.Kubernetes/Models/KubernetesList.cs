using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>A list response (<c>StatefulSetList</c>, <c>VectorCollectionList</c>, ...).</summary>
public sealed class KubernetesList<T>
    where T : IKubernetesObject
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public IList<T> Items { get; set; } = [];

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
