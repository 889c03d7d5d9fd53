using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>autoscaling/v2 HorizontalPodAutoscaler: scales the routers of a collection on CPU or requests per second.</summary>
public sealed class HorizontalPodAutoscaler : IKubernetesObject<HorizontalPodAutoscalerSpec, HorizontalPodAutoscalerStatus>
{
    public string ApiVersion { get; set; } = "autoscaling/v2";
    public string Kind { get; set; } = "HorizontalPodAutoscaler";
    public ObjectMeta Metadata { get; set; } = new();
    public HorizontalPodAutoscalerSpec Spec { get; set; } = new();
    public HorizontalPodAutoscalerStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class HorizontalPodAutoscalerSpec
{
    public CrossVersionObjectReference ScaleTargetRef { get; set; } = new();
    public int? MinReplicas { get; set; }
    public int MaxReplicas { get; set; }
    public IList<MetricSpec>? Metrics { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class CrossVersionObjectReference
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
}

/// <summary>One metric to scale on; <see cref="Type"/> says which of the sources is set (Resource or Pods here).</summary>
public sealed class MetricSpec
{
    public string Type { get; set; } = "";
    public ResourceMetricSource? Resource { get; set; }
    public PodsMetricSource? Pods { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class ResourceMetricSource
{
    public string Name { get; set; } = "";
    public MetricTarget Target { get; set; } = new();
}

public sealed class PodsMetricSource
{
    public MetricIdentifier Metric { get; set; } = new();
    public MetricTarget Target { get; set; } = new();
}

public sealed class MetricIdentifier
{
    public string Name { get; set; } = "";
    public LabelSelector? Selector { get; set; }
}

/// <summary>Utilization (percent of the request), AverageValue or Value; the quantities are Kubernetes quantity strings.</summary>
public sealed class MetricTarget
{
    public string Type { get; set; } = "";
    public int? AverageUtilization { get; set; }
    public string? AverageValue { get; set; }
    public string? Value { get; set; }
}

public sealed class HorizontalPodAutoscalerStatus
{
    public long? ObservedGeneration { get; set; }
    public int? CurrentReplicas { get; set; }
    public int DesiredReplicas { get; set; }
    public IList<Condition>? Conditions { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
