using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>core/v1 Pod.</summary>
public sealed class Pod : IKubernetesObject<PodSpec, PodStatus>
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Pod";
    public ObjectMeta Metadata { get; set; } = new();
    public PodSpec Spec { get; set; } = new();
    public PodStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodStatus
{
    /// <summary>Pending, Running, Succeeded, Failed or Unknown.</summary>
    public string? Phase { get; set; }
    public IList<PodCondition>? Conditions { get; set; }
    public string? PodIP { get; set; }
    public IList<PodAddress>? PodIPs { get; set; }
    public string? HostIP { get; set; }
    public DateTimeOffset? StartTime { get; set; }
    public IList<ContainerStatus>? ContainerStatuses { get; set; }
    public IList<ContainerStatus>? InitContainerStatuses { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodAddress
{
    public string Ip { get; set; } = "";
}

/// <summary>A pod condition (Ready, ContainersReady, PodScheduled, ...).</summary>
public sealed class PodCondition
{
    public string Type { get; set; } = "";
    public string Status { get; set; } = "Unknown";
    public DateTimeOffset? LastProbeTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}

public sealed class ContainerStatus
{
    public string Name { get; set; } = "";
    public bool Ready { get; set; }
    public bool? Started { get; set; }
    public int RestartCount { get; set; }
    public string? Image { get; set; }
    public string? ImageID { get; set; }
    public string? ContainerID { get; set; }

    /// <summary>waiting / running / terminated, kept as JSON.</summary>
    public JsonObject? State { get; set; }
    public JsonObject? LastState { get; set; }
}
