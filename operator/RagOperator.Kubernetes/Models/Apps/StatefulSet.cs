using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>apps/v1 StatefulSet: one per Qdrant shard.</summary>
public sealed class StatefulSet : IKubernetesObject<StatefulSetSpec, StatefulSetStatus>
{
    public string ApiVersion { get; set; } = "apps/v1";
    public string Kind { get; set; } = "StatefulSet";
    public ObjectMeta Metadata { get; set; } = new();
    public StatefulSetSpec Spec { get; set; } = new();
    public StatefulSetStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatefulSetSpec
{
    public int? Replicas { get; set; }
    public LabelSelector Selector { get; set; } = new();
    public PodTemplateSpec Template { get; set; } = new();
    public IList<PersistentVolumeClaim>? VolumeClaimTemplates { get; set; }

    /// <summary>The governing headless Service that gives pods stable DNS names.</summary>
    public string? ServiceName { get; set; }

    /// <summary>OrderedReady (default) or Parallel.</summary>
    public string? PodManagementPolicy { get; set; }
    public StatefulSetUpdateStrategy? UpdateStrategy { get; set; }
    public int? RevisionHistoryLimit { get; set; }
    public int? MinReadySeconds { get; set; }
    public StatefulSetPersistentVolumeClaimRetentionPolicy? PersistentVolumeClaimRetentionPolicy { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class StatefulSetUpdateStrategy
{
    /// <summary>RollingUpdate (default) or OnDelete.</summary>
    public string? Type { get; set; }
    public RollingUpdateStatefulSetStrategy? RollingUpdate { get; set; }
}

public sealed class RollingUpdateStatefulSetStrategy
{
    public int? Partition { get; set; }
    public IntOrString? MaxUnavailable { get; set; }
}

/// <summary>What happens to claims when the set is deleted or scaled down: Retain or Delete.</summary>
public sealed class StatefulSetPersistentVolumeClaimRetentionPolicy
{
    public string? WhenDeleted { get; set; }
    public string? WhenScaled { get; set; }
}

public sealed class StatefulSetStatus
{
    public long? ObservedGeneration { get; set; }
    public int Replicas { get; set; }
    public int? ReadyReplicas { get; set; }
    public int? CurrentReplicas { get; set; }
    public int? UpdatedReplicas { get; set; }
    public int? AvailableReplicas { get; set; }
    public string? CurrentRevision { get; set; }
    public string? UpdateRevision { get; set; }
    public int? CollisionCount { get; set; }
    public IList<WorkloadCondition>? Conditions { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The condition shape of apps/v1 workloads (has lastUpdateTime, unlike metav1.Condition).</summary>
public sealed class WorkloadCondition
{
    public string Type { get; set; } = "";
    public string Status { get; set; } = "Unknown";
    public DateTimeOffset? LastUpdateTime { get; set; }
    public DateTimeOffset? LastTransitionTime { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
