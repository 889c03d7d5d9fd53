using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.V1Alpha1;

/// <summary>Where shard pods run: node selection, tolerations, spread and GPUs.</summary>
[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "VectorNodePool", "vectornodepools",
    Namespaced = false, ShortNames = ["vnp"], Categories = ["ragoperator"])]
[Description("VectorNodePool describes the nodes shard pods of VectorCollections run on.")]
[PrinterColumn("GPU", "string", ".spec.gpu.resourceName")]
[PrinterColumn("Nodes", "integer", ".status.matchingNodes")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class VectorNodePool : IKubernetesObject<VectorNodePoolSpec, VectorNodePoolStatus>
{
    public const string KindName = "VectorNodePool";
    public const string Plural = "vectornodepools";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();

    [Description("Desired placement of shard pods.")]
    public VectorNodePoolSpec Spec { get; set; } = new();

    [Description("Observed nodes and users of the pool.")]
    public VectorNodePoolStatus? Status { get; set; }
}

public sealed class VectorNodePoolSpec
{
    [Description("Labels a node must have to run shard pods.")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    [Description("Tolerations added to shard pods.")]
    public IList<Toleration>? Tolerations { get; set; }

    [PreserveUnknownFields]
    [Description("A core/v1 Affinity merged into shard pods (node affinity; pod anti-affinity is added by the operator).")]
    public JsonObject? Affinity { get; set; }

    [PreserveUnknownFields]
    [Description("core/v1 TopologySpreadConstraints added to shard pods; the labelSelector is filled in per shard when empty.")]
    public IList<JsonObject>? TopologySpreadConstraints { get; set; }

    [Description("GPUs requested by each shard pod, and whether Qdrant indexes on the GPU.")]
    public GpuSpec? Gpu { get; set; }
}

[CelRule("!has(self.resourceName) || self.count > 0", "spec.gpu.count must be greater than 0 when spec.gpu.resourceName is set", FieldPath = ".count")]
public sealed class GpuSpec
{
    [RegularExpression(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [Description("Extended resource name of the GPU, for example nvidia.com/gpu.")]
    public string? ResourceName { get; set; }

    [Range(0, 16)]
    [Description("GPUs per shard pod.")]
    public int Count { get; set; } = 1;

    [Description("Switch on Qdrant's GPU HNSW indexing (QDRANT__GPU__INDEXING).")]
    public bool Indexing { get; set; } = true;
}

[JsonConverter(typeof(JsonStringEnumConverter<TolerationOperator>))]
public enum TolerationOperator
{
    Equal,
    Exists,
}

[JsonConverter(typeof(JsonStringEnumConverter<TaintEffect>))]
public enum TaintEffect
{
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

public sealed class Toleration
{
    public string? Key { get; set; }
    [Description("Equal or Exists.")]
    public TolerationOperator? Operator { get; set; }
    public string? Value { get; set; }
    [Description("NoSchedule, PreferNoSchedule or NoExecute; empty matches all effects.")]
    public TaintEffect? Effect { get; set; }
    public long? TolerationSeconds { get; set; }
}

public sealed class VectorNodePoolStatus
{
    public long? ObservedGeneration { get; set; }
    [Description("Number of nodes that match the pool's selector and tolerate no missing taint.")]
    public int MatchingNodes { get; set; }
    [Description("Names of the matching nodes (at most 100).")]
    public IList<string>? Nodes { get; set; }
    [Description("VectorCollections (namespace/name) that use the pool.")]
    public IList<string>? Collections { get; set; }
    [ListMapKeys("type")]
    public IList<Condition>? Conditions { get; set; }
}
