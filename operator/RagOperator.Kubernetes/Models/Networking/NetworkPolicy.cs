using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>networking.k8s.io/v1 NetworkPolicy: which pods may open connections to which ports of the selected pods.</summary>
public sealed class NetworkPolicy : IKubernetesObject
{
    public string ApiVersion { get; set; } = "networking.k8s.io/v1";
    public string Kind { get; set; } = "NetworkPolicy";
    public ObjectMeta Metadata { get; set; } = new();
    public NetworkPolicySpec Spec { get; set; } = new();

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class NetworkPolicySpec
{
    public LabelSelector PodSelector { get; set; } = new();

    /// <summary>Ingress, Egress, or both; a policy with only Ingress leaves the pods' outgoing traffic alone.</summary>
    public IList<string>? PolicyTypes { get; set; }

    public IList<NetworkPolicyIngressRule>? Ingress { get; set; }
}

/// <summary>Traffic admitted when it comes from one of <see cref="From"/> (any source when empty) to one of <see cref="Ports"/>.</summary>
public sealed class NetworkPolicyIngressRule
{
    public IList<NetworkPolicyPeer>? From { get; set; }
    public IList<NetworkPolicyPort>? Ports { get; set; }
}

/// <summary>Pods chosen by namespace and pod labels (both: pods matching both; only pods: the policy's own namespace).</summary>
public sealed class NetworkPolicyPeer
{
    public LabelSelector? NamespaceSelector { get; set; }
    public LabelSelector? PodSelector { get; set; }
}

public sealed class NetworkPolicyPort
{
    public string? Protocol { get; set; }
    public IntOrString? Port { get; set; }
}
