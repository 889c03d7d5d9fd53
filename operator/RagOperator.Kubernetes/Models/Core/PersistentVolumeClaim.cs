using System.Text.Json;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>core/v1 PersistentVolumeClaim; also the shape of StatefulSet volumeClaimTemplates.</summary>
public sealed class PersistentVolumeClaim : IKubernetesObject<PersistentVolumeClaimSpec, PersistentVolumeClaimStatus>
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "PersistentVolumeClaim";
    public ObjectMeta Metadata { get; set; } = new();
    public PersistentVolumeClaimSpec Spec { get; set; } = new();
    public PersistentVolumeClaimStatus? Status { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class PersistentVolumeClaimSpec
{
    /// <summary>ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.</summary>
    public IList<string>? AccessModes { get; set; }
    public VolumeResourceRequirements? Resources { get; set; }
    public string? StorageClassName { get; set; }

    /// <summary>Filesystem or Block.</summary>
    public string? VolumeMode { get; set; }
    public string? VolumeName { get; set; }
    public LabelSelector? Selector { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>Storage requests of a claim, for example <c>requests: {storage: 10Gi}</c>.</summary>
public sealed class VolumeResourceRequirements
{
    public IDictionary<string, string>? Requests { get; set; }
    public IDictionary<string, string>? Limits { get; set; }
}

public sealed class PersistentVolumeClaimStatus
{
    /// <summary>Pending, Bound or Lost.</summary>
    public string? Phase { get; set; }
    public IList<string>? AccessModes { get; set; }
    public IDictionary<string, string>? Capacity { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}
