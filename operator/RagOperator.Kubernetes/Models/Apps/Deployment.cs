using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>apps/v1 Deployment: the retrieval routers of a collection.</summary>
public sealed class Deployment : IKubernetesObject<DeploymentSpec, DeploymentStatus>
{
    public string ApiVersion { get; set; } = "apps/v1";
    public string Kind { get; set; } = "Deployment";
    public ObjectMeta Metadata { get; set; } = new();
    public DeploymentSpec Spec { get; set; } = new();
    public DeploymentStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class DeploymentSpec
{
    public int? Replicas { get; set; }
    public LabelSelector Selector { get; set; } = new();
    public PodTemplateSpec Template { get; set; } = new();
    public DeploymentStrategy? Strategy { get; set; }
    public int? MinReadySeconds { get; set; }
    public int? RevisionHistoryLimit { get; set; }
    public int? ProgressDeadlineSeconds { get; set; }
    public bool? Paused { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class DeploymentStrategy
{
    /// <summary>RollingUpdate (default) or Recreate.</summary>
    public string? Type { get; set; }
    public RollingUpdateDeployment? RollingUpdate { get; set; }
}

public sealed class RollingUpdateDeployment
{
    public IntOrString? MaxUnavailable { get; set; }
    public IntOrString? MaxSurge { get; set; }
}

public sealed class DeploymentStatus
{
    public long? ObservedGeneration { get; set; }
    public int? Replicas { get; set; }
    public int? UpdatedReplicas { get; set; }
    public int? ReadyReplicas { get; set; }
    public int? AvailableReplicas { get; set; }
    public int? UnavailableReplicas { get; set; }
    public IList<WorkloadCondition>? Conditions { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
