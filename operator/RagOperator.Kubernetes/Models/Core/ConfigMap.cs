using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>core/v1 ConfigMap (the routing table and its immutable history live in these).</summary>
public sealed class ConfigMap : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "ConfigMap";
    public ObjectMeta Metadata { get; set; } = new();
    public IDictionary<string, string>? Data { get; set; }

    /// <summary>Binary values; serialized as base64 like the API server expects.</summary>
    public IDictionary<string, byte[]>? BinaryData { get; set; }
    public bool? Immutable { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 Secret. <see cref="Data"/> values are raw bytes (base64 on the wire).</summary>
public sealed class Secret : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Secret";
    public ObjectMeta Metadata { get; set; } = new();
    public IDictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only convenience: the API server merges it into <see cref="Data"/>.</summary>
    public IDictionary<string, string>? StringData { get; set; }

    /// <summary>Opaque, kubernetes.io/tls, ...</summary>
    public string? Type { get; set; }
    public bool? Immutable { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 ServiceAccount.</summary>
public sealed class ServiceAccount : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "ServiceAccount";
    public ObjectMeta Metadata { get; set; } = new();
    public IList<ObjectReference>? Secrets { get; set; }
    public IList<LocalObjectReference>? ImagePullSecrets { get; set; }
    public bool? AutomountServiceAccountToken { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 Namespace (cluster-scoped).</summary>
public sealed class Namespace : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Namespace";
    public ObjectMeta Metadata { get; set; } = new();
    public System.Text.Json.Nodes.JsonObject? Spec { get; set; }
    public System.Text.Json.Nodes.JsonObject? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
