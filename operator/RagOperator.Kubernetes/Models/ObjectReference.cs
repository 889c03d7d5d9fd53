using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>A reference to any object (core/v1 ObjectReference), used by Events and EndpointSlices.</summary>
public sealed class ObjectReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public string? FieldPath { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }

    public static ObjectReference For(IKubernetesObject obj) => new()
    {
        ApiVersion = obj.ApiVersion,
        Kind = obj.Kind,
        Namespace = obj.Metadata.Namespace,
        Name = obj.Metadata.Name,
        Uid = obj.Metadata.Uid,
        ResourceVersion = obj.Metadata.ResourceVersion,
    };
}

/// <summary>A label selector (metav1.LabelSelector).</summary>
public sealed class LabelSelector
{
    public IDictionary<string, string>? MatchLabels { get; set; }
    public IList<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed class LabelSelectorRequirement
{
    public string Key { get; set; } = "";

    /// <summary>In, NotIn, Exists or DoesNotExist.</summary>
    public string Operator { get; set; } = "In";
    public IList<string>? Values { get; set; }
}
