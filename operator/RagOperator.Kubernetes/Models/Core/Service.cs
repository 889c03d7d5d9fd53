using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>core/v1 Service.</summary>
public sealed class Service : IKubernetesObject<ServiceSpec, JsonObject>
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Service";
    public ObjectMeta Metadata { get; set; } = new();
    public ServiceSpec Spec { get; set; } = new();

    /// <summary>Load-balancer status, kept as JSON.</summary>
    public JsonObject? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ServiceSpec
{
    /// <summary>ClusterIP (default), NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; set; }
    public IDictionary<string, string>? Selector { get; set; }
    public IList<ServicePort>? Ports { get; set; }

    /// <summary>"None" makes a headless Service (stable DNS names for StatefulSet pods).</summary>
    public string? ClusterIP { get; set; }
    public IList<string>? ClusterIPs { get; set; }

    /// <summary>Qdrant peers must resolve each other before they are ready, so shard headless Services set this.</summary>
    public bool? PublishNotReadyAddresses { get; set; }
    public string? SessionAffinity { get; set; }
    public string? InternalTrafficPolicy { get; set; }
    public IList<string>? IpFamilies { get; set; }
    public string? IpFamilyPolicy { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ServicePort
{
    public string? Name { get; set; }
    public int Port { get; set; }
    public IntOrString? TargetPort { get; set; }
    public string? Protocol { get; set; }
    public int? NodePort { get; set; }
    public string? AppProtocol { get; set; }
}
