using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RagOperator.Kubernetes.Models;

/// <summary>A pod template inside a StatefulSet or Deployment.</summary>
public sealed class PodTemplateSpec
{
    public ObjectMeta? Metadata { get; set; }
    public PodSpec Spec { get; set; } = new();

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>core/v1 PodSpec: the fields an operator building Qdrant StatefulSets sets or reads.</summary>
public sealed class PodSpec
{
    public IList<Container> Containers { get; set; } = [];
    public IList<Container>? InitContainers { get; set; }
    public IList<Volume>? Volumes { get; set; }
    public PodSecurityContext? SecurityContext { get; set; }
    public string? ServiceAccountName { get; set; }
    public bool? AutomountServiceAccountToken { get; set; }
    public IDictionary<string, string>? NodeSelector { get; set; }
    public IList<Toleration>? Tolerations { get; set; }

    /// <summary>core/v1 Affinity kept as JSON: the operator merges it from a VectorNodePool without interpreting it.</summary>
    public JsonObject? Affinity { get; set; }

    /// <summary>core/v1 TopologySpreadConstraints kept as JSON, like <see cref="Affinity"/>.</summary>
    public JsonArray? TopologySpreadConstraints { get; set; }

    public long? TerminationGracePeriodSeconds { get; set; }
    public string? RestartPolicy { get; set; }
    public string? PriorityClassName { get; set; }
    public IList<LocalObjectReference>? ImagePullSecrets { get; set; }
    public string? Hostname { get; set; }
    public string? Subdomain { get; set; }
    public string? NodeName { get; set; }
    public bool? EnableServiceLinks { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Container
{
    public string Name { get; set; } = "";
    public string? Image { get; set; }
    public string? ImagePullPolicy { get; set; }
    public IList<string>? Command { get; set; }
    public IList<string>? Args { get; set; }
    public string? WorkingDir { get; set; }
    public IList<EnvVar>? Env { get; set; }
    public IList<EnvFromSource>? EnvFrom { get; set; }
    public IList<ContainerPort>? Ports { get; set; }
    public ResourceRequirements? Resources { get; set; }
    public IList<VolumeMount>? VolumeMounts { get; set; }
    public Probe? LivenessProbe { get; set; }
    public Probe? ReadinessProbe { get; set; }
    public Probe? StartupProbe { get; set; }
    public SecurityContext? SecurityContext { get; set; }

    /// <summary>core/v1 Lifecycle (postStart/preStop hooks) kept as JSON.</summary>
    public JsonObject? Lifecycle { get; set; }

    /// <summary>Always for native sidecars in initContainers.</summary>
    public string? RestartPolicy { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class EnvVar
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public EnvVarSource? ValueFrom { get; set; }
}

public sealed class EnvVarSource
{
    public SecretKeySelector? SecretKeyRef { get; set; }
    public ConfigMapKeySelector? ConfigMapKeyRef { get; set; }
    public ObjectFieldSelector? FieldRef { get; set; }
    public ResourceFieldSelector? ResourceFieldRef { get; set; }
}

public sealed class ConfigMapKeySelector
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
    public bool? Optional { get; set; }
}

/// <summary>The downward API: a field of the pod, for example <c>metadata.name</c> or <c>status.podIP</c>.</summary>
public sealed class ObjectFieldSelector
{
    public string? ApiVersion { get; set; }
    public string FieldPath { get; set; } = "";
}

public sealed class ResourceFieldSelector
{
    public string? ContainerName { get; set; }
    public string Resource { get; set; } = "";
    public string? Divisor { get; set; }
}

public sealed class EnvFromSource
{
    public string? Prefix { get; set; }
    public LocalObjectReference? ConfigMapRef { get; set; }
    public LocalObjectReference? SecretRef { get; set; }
}

public sealed class ContainerPort
{
    public string? Name { get; set; }

    [JsonPropertyName("containerPort")]
    public int Port { get; set; }

    public string? Protocol { get; set; }
    public int? HostPort { get; set; }
}

public sealed class VolumeMount
{
    public string Name { get; set; } = "";
    public string MountPath { get; set; } = "";
    public string? SubPath { get; set; }
    public bool? ReadOnly { get; set; }
}

/// <summary>A liveness, readiness or startup probe.</summary>
public sealed class Probe
{
    public HttpGetAction? HttpGet { get; set; }
    public TcpSocketAction? TcpSocket { get; set; }
    public ExecAction? Exec { get; set; }
    public GrpcAction? Grpc { get; set; }
    public int? InitialDelaySeconds { get; set; }
    public int? PeriodSeconds { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int? SuccessThreshold { get; set; }
    public int? FailureThreshold { get; set; }
    public long? TerminationGracePeriodSeconds { get; set; }
}

public sealed class HttpGetAction
{
    public string? Path { get; set; }
    public IntOrString Port { get; set; }
    public string? Host { get; set; }

    /// <summary>HTTP or HTTPS.</summary>
    public string? Scheme { get; set; }
    public IList<HttpHeader>? HttpHeaders { get; set; }
}

public sealed class HttpHeader
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}

public sealed class TcpSocketAction
{
    public IntOrString Port { get; set; }
    public string? Host { get; set; }
}

public sealed class ExecAction
{
    public IList<string>? Command { get; set; }
}

public sealed class GrpcAction
{
    public int Port { get; set; }
    public string? Service { get; set; }
}

/// <summary>Container-level security settings (restricted Pod Security Standard needs most of them).</summary>
public sealed class SecurityContext
{
    public Capabilities? Capabilities { get; set; }
    public SeccompProfile? SeccompProfile { get; set; }
    public bool? RunAsNonRoot { get; set; }
    public long? RunAsUser { get; set; }
    public long? RunAsGroup { get; set; }
    public bool? ReadOnlyRootFilesystem { get; set; }
    public bool? AllowPrivilegeEscalation { get; set; }
    public bool? Privileged { get; set; }
}

public sealed class Capabilities
{
    public IList<string>? Add { get; set; }
    public IList<string>? Drop { get; set; }
}

public sealed class SeccompProfile
{
    /// <summary>RuntimeDefault, Localhost or Unconfined.</summary>
    public string Type { get; set; } = "RuntimeDefault";
    public string? LocalhostProfile { get; set; }
}

public sealed class PodSecurityContext
{
    public bool? RunAsNonRoot { get; set; }
    public long? RunAsUser { get; set; }
    public long? RunAsGroup { get; set; }
    public long? FsGroup { get; set; }

    /// <summary>OnRootMismatch avoids a recursive chown of large Qdrant volumes on every start.</summary>
    public string? FsGroupChangePolicy { get; set; }
    public IList<long>? SupplementalGroups { get; set; }
    public SeccompProfile? SeccompProfile { get; set; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class Toleration
{
    public string? Key { get; set; }

    /// <summary>Exists or Equal.</summary>
    public string? Operator { get; set; }
    public string? Value { get; set; }

    /// <summary>NoSchedule, PreferNoSchedule or NoExecute.</summary>
    public string? Effect { get; set; }
    public long? TolerationSeconds { get; set; }
}

public sealed class Volume
{
    public string Name { get; set; } = "";
    public EmptyDirVolumeSource? EmptyDir { get; set; }
    public ConfigMapVolumeSource? ConfigMap { get; set; }
    public SecretVolumeSource? Secret { get; set; }
    public PersistentVolumeClaimVolumeSource? PersistentVolumeClaim { get; set; }

    /// <summary>Other volume sources (projected, csi, ...) survive here.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? ExtensionData { get; set; }
}

public sealed class EmptyDirVolumeSource
{
    /// <summary>"" (node disk) or Memory.</summary>
    public string? Medium { get; set; }
    public string? SizeLimit { get; set; }
}

public sealed class KeyToPath
{
    public string Key { get; set; } = "";
    public string Path { get; set; } = "";
    public int? Mode { get; set; }
}

public sealed class ConfigMapVolumeSource
{
    public string Name { get; set; } = "";
    public IList<KeyToPath>? Items { get; set; }
    public int? DefaultMode { get; set; }
    public bool? Optional { get; set; }
}

public sealed class SecretVolumeSource
{
    public string SecretName { get; set; } = "";
    public IList<KeyToPath>? Items { get; set; }
    public int? DefaultMode { get; set; }
    public bool? Optional { get; set; }
}

public sealed class PersistentVolumeClaimVolumeSource
{
    public string ClaimName { get; set; } = "";
    public bool? ReadOnly { get; set; }
}
