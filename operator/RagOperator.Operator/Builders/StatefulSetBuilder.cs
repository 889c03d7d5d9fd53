using System.Globalization;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;

namespace RagOperator.Operator.Builders;

/// <summary>
/// <c>&lt;collection&gt;-shard-&lt;i&gt;</c>: the Qdrant pods of one shard, in Qdrant's cluster mode (one Raft cluster per
/// shard; the collection on it is created with <c>replication_factor = replicas</c>, so every pod holds a copy).
/// <list type="bullet">
/// <item>Updates are <c>OnDelete</c>: template changes (a new Qdrant version or image) are rolled out by the operator,
/// pod by pod, gated on the shard's replicas being Active (see <see cref="Upgrades.RolloutPlanner"/>).</item>
/// <item>Pods start in parallel: with OrderedReady, a full restart would wait for pod 0 to be ready, and pod 0
/// cannot be ready without a Raft quorum of the pods that are not started yet.</item>
/// <item>Writable paths are volumes (storage PVC, snapshots/tmp/init emptyDirs) so the root filesystem is read-only.</item>
/// <item>The API key comes from the referenced Secret by <c>secretKeyRef</c>; it is never copied into the spec.</item>
/// <item>With a GPU node pool, the container requests and limits the extended resource (Kubernetes requires both
/// to be equal for extended resources) and, when the pool asks for it, Qdrant's GPU indexing is switched on and
/// the image tag gets Qdrant's GPU build suffix (<c>-gpu-nvidia</c> or <c>-gpu-amd</c>).</item>
/// </list>
/// </summary>
public static class StatefulSetBuilder
{
    public const string ContainerName = "qdrant";
    public const string StorageVolume = "qdrant-storage";
    public const string SnapshotsVolume = "qdrant-snapshots";
    public const string TmpVolume = "tmp";
    public const string InitVolume = "qdrant-init";
    public const string BootstrapVolume = "bootstrap";
    public const string StoragePath = "/qdrant/storage";
    public const string SnapshotsPath = "/qdrant/snapshots";
    public const string InitPath = "/qdrant/init";
    public const string BootstrapPath = "/qdrant/bootstrap";
    public const string TlsVolume = "tls";
    public const string TlsPath = "/qdrant/tls";

    /// <summary>How often Qdrant re-reads its certificate files (an hour: renewals come weeks before expiry).</summary>
    public const int CertificateReloadSeconds = 3600;

    public static StatefulSet Build(BuildInput input, int shard)
    {
        var name = ChildNames.Shard(input.Name, shard);
        var headless = ChildNames.ShardHeadless(input.Name, shard);
        var selector = Labels.ShardSelector(input.Name, shard);
        var labels = Labels.ForShard(input.Name, shard);
        var spec = input.Spec;
        return new StatefulSet
        {
            Metadata = Owners.Metadata(input, name, labels),
            Spec = new StatefulSetSpec
            {
                Replicas = spec.Replicas,
                ServiceName = headless,
                PodManagementPolicy = "Parallel",
                Selector = new LabelSelector { MatchLabels = selector },
                // The operator replaces pods itself, one at a time and only once the shard's replicas are Active again
                // (Upgrades/RolloutPlanner); the StatefulSet controller's RollingUpdate only waits for readiness.
                UpdateStrategy = new StatefulSetUpdateStrategy { Type = "OnDelete" },
                PersistentVolumeClaimRetentionPolicy = new StatefulSetPersistentVolumeClaimRetentionPolicy
                {
                    WhenDeleted = spec.Storage.RetainOnDelete ? "Retain" : "Delete",
                    // Scaling replicas down and up again must find the peer's Raft state and data.
                    WhenScaled = "Retain",
                },
                Template = new PodTemplateSpec
                {
                    Metadata = new ObjectMeta { Labels = labels },
                    Spec = PodSpec(input, shard, selector, headless),
                },
                VolumeClaimTemplates = [VolumeClaim(input, labels)],
            },
        };
    }

    /// <summary>The image of the Qdrant container in a shard pod spec (a StatefulSet's template or a running pod).</summary>
    public static string? QdrantImageOf(PodSpec? spec) => spec?.Containers.FirstOrDefault(c => c.Name == ContainerName)?.Image;

    /// <summary>The image reference the shard pods run.</summary>
    public static string Image(QdrantSpec qdrant, VectorNodePool? pool)
    {
        var tag = qdrant.Version;
        if (Placement.GpuIndexing(pool))
        {
            var resource = Placement.Gpu(pool)!.Value.Resource;
            if (resource.StartsWith("nvidia.com/", StringComparison.Ordinal)) tag += "-gpu-nvidia";
            else if (resource.StartsWith("amd.com/", StringComparison.Ordinal)) tag += "-gpu-amd";
        }

        return $"{qdrant.Image}:{tag}";
    }

    private static PodSpec PodSpec(BuildInput input, int shard, Dictionary<string, string> selector, string headless) => new()
    {
        SecurityContext = SecurityDefaults.Pod(SecurityDefaults.QdrantUserId),
        // Qdrant never talks to the Kubernetes API.
        AutomountServiceAccountToken = false,
        EnableServiceLinks = false,
        TerminationGracePeriodSeconds = 60,
        NodeSelector = Placement.NodeSelector(input.NodePool),
        Tolerations = Placement.Tolerations(input.NodePool),
        Affinity = Placement.Affinity(input.NodePool, selector),
        TopologySpreadConstraints = Placement.TopologySpreadConstraints(input.NodePool, selector),
        Containers = [QdrantContainer(input, shard, headless)],
        Volumes =
        [
            new Volume { Name = SnapshotsVolume, EmptyDir = new EmptyDirVolumeSource() },
            new Volume { Name = TmpVolume, EmptyDir = new EmptyDirVolumeSource() },
            new Volume { Name = InitVolume, EmptyDir = new EmptyDirVolumeSource() },
            new Volume
            {
                Name = BootstrapVolume,
                ConfigMap = new ConfigMapVolumeSource { Name = ChildNames.Bootstrap(input.Name), DefaultMode = 0b100_100_100 },
            },
            .. Tls(input)
                ? [new Volume { Name = TlsVolume, Secret = new SecretVolumeSource { SecretName = CertificateSecrets.Shard(input.Name, input.Spec.Tls, shard), DefaultMode = 0b100_100_000 } }]
                : Array.Empty<Volume>(),
        ],
    };

    /// <summary>Whether the shards serve TLS (spec.tls.mode other than Disabled).</summary>
    public static bool Tls(BuildInput input) => input.Spec.Tls.Mode != TlsMode.Disabled;

    /// <summary>The URI scheme of the shards' REST, gRPC and peer-to-peer endpoints.</summary>
    public static string Scheme(BuildInput input) => Tls(input) ? "https" : "http";

    private static Container QdrantContainer(BuildInput input, int shard, string headless)
    {
        var peerDomain = $"{headless}.{input.Namespace}.svc";
        var env = new List<EnvVar>
        {
            new() { Name = "POD_NAME", ValueFrom = new EnvVarSource { FieldRef = new ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new() { Name = "QDRANT_PEER_DOMAIN", Value = peerDomain },
            new() { Name = "QDRANT_PEER_SCHEME", Value = Scheme(input) },
            new() { Name = "QDRANT_BOOTSTRAP_URI", Value = $"{Scheme(input)}://{ChildNames.ShardPod(input.Name, shard, 0)}.{peerDomain}:{Ports.QdrantP2p}" },
            new() { Name = "QDRANT__CLUSTER__ENABLED", Value = "true" },
            new() { Name = "QDRANT__CLUSTER__P2P__PORT", Value = Ports.QdrantP2p.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "QDRANT__SERVICE__HTTP_PORT", Value = Ports.QdrantHttp.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "QDRANT__SERVICE__GRPC_PORT", Value = Ports.QdrantGrpc.ToString(CultureInfo.InvariantCulture) },
            new() { Name = "QDRANT__STORAGE__STORAGE_PATH", Value = StoragePath },
            new() { Name = "QDRANT__STORAGE__SNAPSHOTS_PATH", Value = SnapshotsPath },
            // Qdrant writes an "initialized" marker file; the default location is on the read-only root filesystem.
            new() { Name = "QDRANT_INIT_FILE_PATH", Value = $"{InitPath}/.qdrant-initialized" },
            new() { Name = "QDRANT__TELEMETRY_DISABLED", Value = "true" },
        };
        if (input.Spec.Qdrant.ApiKeySecretRef is { } apiKey)
            env.Add(new EnvVar { Name = "QDRANT__SERVICE__API_KEY", ValueFrom = SecretRef(apiKey) });
        if (Placement.GpuIndexing(input.NodePool))
            env.Add(new EnvVar { Name = "QDRANT__GPU__INDEXING", Value = "1" });
        if (Tls(input))
        {
            // REST and gRPC (service) and Raft traffic between peers (p2p) all use the shard's certificate; Qdrant
            // re-reads it every cert_ttl seconds, so a renewed Secret takes effect without a restart.
            env.AddRange(
            [
                new EnvVar { Name = "QDRANT__SERVICE__ENABLE_TLS", Value = "true" },
                new EnvVar { Name = "QDRANT__CLUSTER__P2P__ENABLE_TLS", Value = "true" },
                new EnvVar { Name = "QDRANT__TLS__CERT", Value = $"{TlsPath}/{TlsSecretBuilder.CertificateKey}" },
                new EnvVar { Name = "QDRANT__TLS__KEY", Value = $"{TlsPath}/{TlsSecretBuilder.PrivateKeyKey}" },
                new EnvVar { Name = "QDRANT__TLS__CA_CERT", Value = $"{TlsPath}/{TlsSecretBuilder.TrustBundleKey}" },
                new EnvVar { Name = "QDRANT__TLS__CERT_TTL", Value = CertificateReloadSeconds.ToString(CultureInfo.InvariantCulture) },
            ]);
        }

        return new Container
        {
            Name = ContainerName,
            Image = Image(input.Spec.Qdrant, input.NodePool),
            ImagePullPolicy = "IfNotPresent",
            Command = ["/bin/sh", $"{BootstrapPath}/{ChildNames.BootstrapScriptKey}"],
            Env = env,
            Ports =
            [
                new ContainerPort { Name = "http", Port = Ports.QdrantHttp, Protocol = "TCP" },
                new ContainerPort { Name = "grpc", Port = Ports.QdrantGrpc, Protocol = "TCP" },
                new ContainerPort { Name = "p2p", Port = Ports.QdrantP2p, Protocol = "TCP" },
            ],
            Resources = Resources(input.Spec.Resources, input.NodePool),
            // Health endpoints are exempt from Qdrant's API key, so the kubelet needs no credentials.
            ReadinessProbe = new Probe
            {
                HttpGet = new HttpGetAction { Path = "/readyz", Port = Ports.QdrantHttp, Scheme = Tls(input) ? "HTTPS" : "HTTP" },
                InitialDelaySeconds = 5,
                PeriodSeconds = 5,
                FailureThreshold = 6,
            },
            LivenessProbe = new Probe
            {
                HttpGet = new HttpGetAction { Path = "/livez", Port = Ports.QdrantHttp, Scheme = Tls(input) ? "HTTPS" : "HTTP" },
                InitialDelaySeconds = 30,
                PeriodSeconds = 10,
                FailureThreshold = 6,
            },
            SecurityContext = SecurityDefaults.Container(SecurityDefaults.QdrantUserId),
            VolumeMounts =
            [
                new VolumeMount { Name = StorageVolume, MountPath = StoragePath },
                new VolumeMount { Name = SnapshotsVolume, MountPath = SnapshotsPath },
                new VolumeMount { Name = TmpVolume, MountPath = "/tmp" },
                new VolumeMount { Name = InitVolume, MountPath = InitPath },
                new VolumeMount { Name = BootstrapVolume, MountPath = BootstrapPath, ReadOnly = true },
                .. Tls(input) ? [new VolumeMount { Name = TlsVolume, MountPath = TlsPath, ReadOnly = true }] : Array.Empty<VolumeMount>(),
            ],
        };
    }

    /// <summary>The collection's resources, plus the pool's GPU as both request and limit.</summary>
    public static ResourceRequirements? Resources(ResourceRequirements? resources, VectorNodePool? pool)
    {
        if (Placement.Gpu(pool) is not { } gpu) return resources is null ? null : Copy(resources);
        var requests = resources?.Requests is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(resources.Requests, StringComparer.Ordinal);
        var limits = resources?.Limits is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(resources.Limits, StringComparer.Ordinal);
        var count = gpu.Count.ToString(CultureInfo.InvariantCulture);
        requests[gpu.Resource] = count;
        limits[gpu.Resource] = count;
        return new ResourceRequirements { Requests = requests, Limits = limits };
    }

    private static ResourceRequirements Copy(ResourceRequirements resources) => new()
    {
        Requests = resources.Requests is null ? null : new Dictionary<string, string>(resources.Requests, StringComparer.Ordinal),
        Limits = resources.Limits is null ? null : new Dictionary<string, string>(resources.Limits, StringComparer.Ordinal),
    };

    private static PersistentVolumeClaim VolumeClaim(BuildInput input, Dictionary<string, string> labels) => new()
    {
        Metadata = new ObjectMeta { Name = StorageVolume, Labels = labels },
        Spec = new PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = string.IsNullOrEmpty(input.Spec.Storage.StorageClassName) ? null : input.Spec.Storage.StorageClassName,
            Resources = new VolumeResourceRequirements
            {
                Requests = new Dictionary<string, string>(StringComparer.Ordinal) { ["storage"] = input.Spec.Storage.Size },
            },
        },
    };

    internal static EnvVarSource SecretRef(SecretKeySelector selector) => new()
    {
        SecretKeyRef = new SecretKeySelector { Name = selector.Name, Key = selector.Key },
    };
}
