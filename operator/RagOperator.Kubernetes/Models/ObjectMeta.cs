using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>Any object the API server stores: apiVersion, kind and metadata.</summary>
public interface IKubernetesObject
{
    string ApiVersion { get; set; }
    string Kind { get; set; }
    ObjectMeta Metadata { get; set; }
}

/// <summary>A top-level object with a spec and a status (the status subresource).</summary>
public interface IKubernetesObject<TSpec, TStatus> : IKubernetesObject
{
    TSpec Spec { get; set; }
    TStatus? Status { get; set; }
}

/// <summary>Standard object metadata (only the fields the operator reads or writes).</summary>
public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public long? DeletionGracePeriodSeconds { get; set; }
    public IDictionary<string, string>? Labels { get; set; }
    public IDictionary<string, string>? Annotations { get; set; }
    public IList<OwnerReference>? OwnerReferences { get; set; }
    public IList<string>? Finalizers { get; set; }
    public IList<System.Text.Json.Nodes.JsonObject>? ManagedFields { get; set; }

    /// <summary>Fields this model does not name survive a read-modify-write.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class OwnerReference
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string Uid { get; set; } = "";
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The Kubernetes Condition shape (metav1.Condition).</summary>
public sealed record Condition
{
    public string Type { get; init; } = "";
    /// <summary>True, False or Unknown.</summary>
    public string Status { get; init; } = "Unknown";
    public long? ObservedGeneration { get; init; }
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string Reason { get; init; } = "";
    public string Message { get; init; } = "";
}

/// <summary>A local object reference by name.</summary>
public sealed record LocalObjectReference
{
    public string Name { get; init; } = "";
}

/// <summary>A reference to one key of a Secret in the same namespace.</summary>
public sealed record SecretKeySelector
{
    public string Name { get; init; } = "";
    public string Key { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Optional { get; init; }
}

/// <summary>Compute resources: quantities as strings ("500m", "2Gi").</summary>
public sealed record ResourceRequirements
{
    public IDictionary<string, string>? Requests { get; init; }
    public IDictionary<string, string>? Limits { get; init; }
}
