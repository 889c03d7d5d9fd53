using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinition, with spec and status kept as JSON (the CRD generator owns their shape).</summary>
public sealed class CustomResourceDefinition : IKubernetesObject
{
    public string ApiVersion { get; set; } = "apiextensions.k8s.io/v1";
    public string Kind { get; set; } = "CustomResourceDefinition";
    public ObjectMeta Metadata { get; set; } = new();
    public JsonObject? Spec { get; set; }
    public JsonObject? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
