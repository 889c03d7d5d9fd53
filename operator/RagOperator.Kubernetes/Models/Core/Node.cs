using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>core/v1 Node (cluster-scoped); read to count the nodes a VectorNodePool matches.</summary>
public sealed class Node : IKubernetesObject<NodeSpec, NodeStatus>
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Node";
    public ObjectMeta Metadata { get; set; } = new();
    public NodeSpec Spec { get; set; } = new();
    public NodeStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class NodeSpec
{
    public bool? Unschedulable { get; set; }
    public IList<Taint>? Taints { get; set; }
    public string? ProviderID { get; set; }
    public string? PodCIDR { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Taint
{
    public string Key { get; set; } = "";
    public string? Value { get; set; }
    public string Effect { get; set; } = "NoSchedule";
    public DateTimeOffset? TimeAdded { get; set; }
}

public sealed class NodeStatus
{
    /// <summary>Quantities by resource name, for example <c>nvidia.com/gpu: "4"</c>.</summary>
    public IDictionary<string, string>? Capacity { get; set; }
    public IDictionary<string, string>? Allocatable { get; set; }
    public IList<NodeCondition>? Conditions { get; set; }
    public IList<NodeAddress>? Addresses { get; set; }
    public JsonObject? NodeInfo { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class NodeCondition
{
    public string Type { get; set; } = "";
    public string Status { get; set; } = "Unknown";
    public DateTimeOffset? LastHeartbeatTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

public sealed class NodeAddress
{
    public string Type { get; set; } = "";
    public string Address { get; set; } = "";
}
