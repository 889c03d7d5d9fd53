using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>Metadata of a list response (metav1.ListMeta).</summary>
public sealed class ListMeta
{
    /// <summary>The version a watch may start from to see every change after this list.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>Opaque token for the next page; empty or null on the last page.</summary>
    public string? Continue { get; set; }

    public long? RemainingItemCount { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
