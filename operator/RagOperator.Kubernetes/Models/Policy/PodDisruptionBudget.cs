using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>policy/v1 PodDisruptionBudget: keeps a shard's quorum through node drains.</summary>
public sealed class PodDisruptionBudget : IKubernetesObject<PodDisruptionBudgetSpec, PodDisruptionBudgetStatus>
{
    public string ApiVersion { get; set; } = "policy/v1";
    public string Kind { get; set; } = "PodDisruptionBudget";
    public ObjectMeta Metadata { get; set; } = new();
    public PodDisruptionBudgetSpec Spec { get; set; } = new();
    public PodDisruptionBudgetStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PodDisruptionBudgetSpec
{
    public IntOrString? MinAvailable { get; set; }
    public IntOrString? MaxUnavailable { get; set; }
    public LabelSelector? Selector { get; set; }

    /// <summary>IfHealthyBudget or AlwaysAllow.</summary>
    public string? UnhealthyPodEvictionPolicy { get; set; }
}

public sealed class PodDisruptionBudgetStatus
{
    public long? ObservedGeneration { get; set; }
    public int CurrentHealthy { get; set; }
    public int DesiredHealthy { get; set; }
    public int DisruptionsAllowed { get; set; }
    public int ExpectedPods { get; set; }
    public IList<Condition>? Conditions { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
