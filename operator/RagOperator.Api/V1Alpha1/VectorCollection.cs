using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using RagOperator.Api.Schema;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Api.V1Alpha1;

/// <summary>A sharded Qdrant collection with its retrieval routers.</summary>
[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "VectorCollection", "vectorcollections",
    ShortNames = ["vc"], Categories = ["ragoperator", "all"])]
[ScaleSubresource(".spec.shards", ".status.currentShards", LabelSelectorPath = ".status.selector")]
[Description("VectorCollection is a sharded Qdrant collection for retrieval, served through the project's retrieval routers.")]
[PrinterColumn("Dimension", "integer", ".spec.dimension", Priority = 1)]
[PrinterColumn("Shards", "integer", ".spec.shards")]
[PrinterColumn("Replicas", "integer", ".spec.replicas")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Routing", "integer", ".status.routing.activeVersion", Description = "Active routing table version")]
[PrinterColumn("Migration", "string", ".status.migration.phase", Priority = 1)]
[PrinterColumn("Semantic", "string", ".status.semantic.state", Priority = 1, Description = "Semantic partition: Provisional, Repartitioning or Trained")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
[CelRule("!has(oldSelf.status) || !has(oldSelf.status.migration) || oldSelf.status.migration.phase in ['Done', 'RolledBack'] || self.spec.sharding.strategy == oldSelf.spec.sharding.strategy",
    "spec.sharding.strategy cannot change while a migration is running; wait until status.migration.phase is Done",
    FieldPath = ".spec.sharding.strategy")]
public sealed class VectorCollection : IKubernetesObject<VectorCollectionSpec, VectorCollectionStatus>
{
    public const string KindName = "VectorCollection";
    public const string Plural = "vectorcollections";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();

    [Required]
    [Description("Desired state of the collection.")]
    public VectorCollectionSpec Spec { get; set; } = new();

    [Description("Observed state of the collection, written by the operator only.")]
    public VectorCollectionStatus? Status { get; set; }
}

[CelRule("self.sharding.slots >= self.shards",
    "spec.sharding.slots must be greater than or equal to spec.shards: every shard needs at least one cell",
    FieldPath = ".sharding.slots")]
[CelRule("self.sharding.strategy != 'semantic' || self.shards * self.sharding.semantic.cellsPerShard <= 65536",
    "spec.shards * spec.sharding.semantic.cellsPerShard must be at most 65536 cells",
    FieldPath = ".sharding.semantic.cellsPerShard")]
[CelRule("self.sharding.strategy != 'semantic' || self.sharding.semantic.sampleSize >= self.shards * self.sharding.semantic.cellsPerShard",
    "spec.sharding.semantic.sampleSize must be at least spec.shards * cellsPerShard: k-means needs a point per centroid",
    FieldPath = ".sharding.semantic.sampleSize")]
public sealed class VectorCollectionSpec
{
    [Required]
    [Range(1, 65536)]
    [Description("Number of components of every vector. Immutable.")]
    [CelRule("self == oldSelf", "spec.dimension is immutable; create a new collection to change it")]
    public int Dimension { get; set; }

    [Required]
    [Description("Similarity function of the collection (Cosine, Dot, Euclid or Manhattan). Immutable.")]
    [CelRule("self == oldSelf", "spec.distance is immutable; create a new collection to change it")]
    public Distance Distance { get; set; } = Distance.Cosine;

    [Range(1, 1024)]
    [Description("Number of shards; each shard is one StatefulSet of Qdrant pods. Changing it starts a stream migration.")]
    public int Shards { get; set; } = 1;

    [Range(1, 9)]
    [Description("Qdrant pods (replicas) per shard.")]
    public int Replicas { get; set; } = 1;

    [Description("How points are assigned to cells and cells to shards.")]
    public ShardingSpec Sharding { get; set; } = new();

    [Description("HNSW index parameters applied to every shard.")]
    public HnswSpec Hnsw { get; set; } = new();

    [Description("Vector quantization applied to every shard.")]
    public QuantizationSpec Quantization { get; set; } = new();

    [Description("Persistent storage of each Qdrant pod.")]
    public StorageSpec Storage { get; set; } = new();

    [Description("Compute resources of each Qdrant container.")]
    public ResourceRequirements? Resources { get; set; }

    [Description("Name of the cluster-scoped VectorNodePool the shard pods run on.")]
    public LocalObjectReference? NodePoolRef { get; set; }

    [Description("Qdrant image, version and API key.")]
    public QdrantSpec Qdrant { get; set; } = new();

    [Description("The retrieval router Deployment of this collection.")]
    public RouterSpec Router { get; set; } = new();

    [Description("How points are streamed between shards when the shard count changes.")]
    public RebalanceSpec Rebalance { get; set; } = new();

    [Description("NetworkPolicies for the collection's pods.")]
    public NetworkPolicyOptions NetworkPolicy { get; set; } = new();

    [Description("TLS for the shards (REST, gRPC and peer-to-peer) and the routers.")]
    public TlsSpec Tls { get; set; } = new();

    [Description("Scheduled snapshots: a VectorSnapshot on a cron schedule, keeping the newest ones.")]
    public SnapshotScheduleSpec? Snapshots { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<Distance>))]
public enum Distance
{
    Cosine,
    Dot,
    Euclid,
    Manhattan,
}

[JsonConverter(typeof(JsonStringEnumConverter<ShardingStrategy>))]
public enum ShardingStrategy
{
    [JsonStringEnumMemberName("hash")] Hash,
    [JsonStringEnumMemberName("semantic")] Semantic,
}

public sealed class ShardingSpec
{
    [Description("hash: cell = xxHash64(canonical id) mod slots. semantic: cells are k-means centroids.")]
    public ShardingStrategy Strategy { get; set; } = ShardingStrategy.Hash;

    [Range(1, 1048576)]
    [Description("Number of hash cells (slots). Immutable: cells are the unit of rebalancing.")]
    [CelRule("self == oldSelf", "spec.sharding.slots is immutable; it fixes the cell of every point")]
    public int Slots { get; set; } = 16384;

    [Description("Settings of the semantic strategy (ignored by hash).")]
    public SemanticShardingSpec Semantic { get; set; } = new();
}

/// <summary>
/// The semantic strategy: a new collection starts with a provisional hash routing; once it holds
/// <see cref="TrainAfterPoints"/> points the operator samples it, trains k-means centroids and re-partitions.
/// </summary>
[CelRule("self.sampleSize >= self.cellsPerShard", "spec.sharding.semantic.sampleSize must be at least cellsPerShard: k-means needs a point per centroid",
    FieldPath = ".sampleSize")]
public sealed class SemanticShardingSpec
{
    [Range(1, 256)]
    [Description("Centroids (cells) per shard. More cells balance shards more finely and let nprobe select more precisely.")]
    public int CellsPerShard { get; set; } = 8;

    [Range(1, 65536)]
    [Description("Cells a search probes by default: the shards owning the query's nprobe nearest centroids are asked. A request may override it (nprobe, or \"all\").")]
    public int Nprobe { get; set; } = 2;

    [Range(1, 1000000000)]
    [Description("Points the collection must hold before the operator trains the centroids and re-partitions it; until then it is routed by hash.")]
    public long TrainAfterPoints { get; set; } = 10000;

    [Range(1, 1000000)]
    [Description("Points sampled (uniformly, with their vectors) to train the centroids.")]
    public int SampleSize { get; set; } = 10000;

    [Range(1, 1000)]
    [Description("Upper bound on Lloyd iterations of k-means.")]
    public int MaxIterations { get; set; } = 25;

    [Range(0, 2147483647)]
    [Description("Seed of the k-means++ initialisation (and of the sample), so a training is reproducible.")]
    public int Seed { get; set; } = 1;

    [Range(1.5, 1000.0)]
    [Description("Re-train when the largest cell holds more than this many times the points of the mean cell (checked at most every few minutes).")]
    public double MaxCellSkew { get; set; } = 4.0;
}

public sealed class HnswSpec
{
    [Range(4, 128)]
    [Description("Edges per node in the HNSW graph.")]
    public int M { get; set; } = 16;

    [Range(4, 4096)]
    [Description("Neighbours considered while building the index.")]
    public int EfConstruct { get; set; } = 100;

    [Description("Keep the HNSW graph on disk instead of in memory.")]
    public bool OnDisk { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<QuantizationType>))]
public enum QuantizationType
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("scalar")] Scalar,
    [JsonStringEnumMemberName("binary")] Binary,
    [JsonStringEnumMemberName("product")] Product,
}

[JsonConverter(typeof(JsonStringEnumConverter<ProductCompression>))]
public enum ProductCompression
{
    [JsonStringEnumMemberName("x4")] X4,
    [JsonStringEnumMemberName("x8")] X8,
    [JsonStringEnumMemberName("x16")] X16,
    [JsonStringEnumMemberName("x32")] X32,
    [JsonStringEnumMemberName("x64")] X64,
}

[CelRule("self.type == 'product' || !has(self.compression)",
    "spec.quantization.compression applies only to type product", FieldPath = ".compression")]
[CelRule("self.type == 'scalar' || !has(self.quantile)",
    "spec.quantization.quantile applies only to type scalar", FieldPath = ".quantile")]
public sealed class QuantizationSpec
{
    [Description("none, scalar (int8), binary or product quantization.")]
    public QuantizationType Type { get; set; } = QuantizationType.None;

    [Description("Keep quantized vectors in RAM.")]
    public bool? AlwaysRam { get; set; }

    [Range(0.5, 1.0)]
    [Description("Scalar quantization: quantile of values used for the int8 range.")]
    public double? Quantile { get; set; }

    [Description("Product quantization: compression ratio.")]
    public ProductCompression? Compression { get; set; }
}

public sealed class StorageSpec
{
    [RegularExpression(@"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")]
    [Description("Size of each pod's persistent volume, as a Kubernetes quantity (for example 10Gi).")]
    public string Size { get; set; } = "10Gi";

    [Description("StorageClass of the volumes; the cluster default when empty.")]
    public string? StorageClassName { get; set; }

    [Description("Keep the PersistentVolumeClaims when the collection is deleted (true), or delete them with it (false).")]
    public bool RetainOnDelete { get; set; } = true;
}

public sealed class QdrantSpec
{
    [MinLength(1)]
    [Description("Qdrant container image repository.")]
    public string Image { get; set; } = "qdrant/qdrant";

    [RegularExpression(@"^v[0-9]+\.[0-9]+\.[0-9]+$")]
    [Description("Qdrant version (image tag), for example v1.19.0.")]
    public string Version { get; set; } = "v1.19.0";

    [Description("Secret key holding the Qdrant API key; shards require it and the operator and routers send it.")]
    public SecretKeySelector? ApiKeySecretRef { get; set; }
}

public sealed class RouterSpec
{
    [Range(1, 100)]
    [Description("Router pods.")]
    public int Replicas { get; set; } = 2;

    [Description("Compute resources of each router container.")]
    public ResourceRequirements? Resources { get; set; }

    [Description("Router image; defaults to the operator's own router image.")]
    public string? Image { get; set; }

    [Description("Secret key holding the API key clients must send to the router (header api-key or Authorization: Bearer).")]
    public SecretKeySelector? ApiKeySecretRef { get; set; }

    [Range(10, 60000)]
    [Description("Deadline of one fan-out search, in milliseconds.")]
    public int SearchTimeoutMs { get; set; } = 2000;

    [Range(0, 1000)]
    [Description("Largest difference between the clocks of two router pods, in milliseconds. A router acknowledges an upsert only once its clock is this far past the write's version (commit wait), so that a later write of the same point through another router always carries a higher version, which the migration relies on. Raise it where node clocks drift further apart.")]
    public int WriteClockUncertaintyMs { get; set; } = 5;

    [Description("Scale the routers with a HorizontalPodAutoscaler between minReplicas and maxReplicas instead of running spec.router.replicas; the router PodDisruptionBudget follows the minimum.")]
    public RouterAutoscalingSpec? Autoscaling { get; set; }

    [MaxLength(32)]
    [Description("Who may connect to the routers' port besides the operator, as NetworkPolicy peers (namespaceSelector and/or podSelector). Unset or empty: every pod in the collection's namespace. Applies while spec.networkPolicy.enabled is true.")]
    public IList<NetworkPeer>? AllowedFrom { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<TlsMode>))]
public enum TlsMode
{
    Operator,
    CertManager,
    Secret,
    Disabled,
}

[CelRule("self.mode != 'CertManager' || has(self.issuerRef)",
    "spec.tls.issuerRef is required with mode CertManager: name the cert-manager Issuer or ClusterIssuer that signs the collection's certificates")]
[CelRule("self.mode == 'CertManager' || !has(self.issuerRef)", "spec.tls.issuerRef is used only with mode CertManager; remove it or set mode: CertManager")]
[CelRule("self.mode != 'Secret' || has(self.secrets)",
    "spec.tls.secrets is required with mode Secret: name the kubernetes.io/tls Secrets the shards and the routers serve")]
[CelRule("self.mode == 'Secret' || !has(self.secrets)", "spec.tls.secrets is used only with mode Secret; remove it or set mode: Secret")]
public sealed class TlsSpec
{
    [Description("Operator (default): the operator keeps a CA for the collection in the Secret <name>-ca, issues the shard and router certificates (<name>-shard-<i>-tls, <name>-router-tls), and renews each when a third of its life is left. CertManager: the operator creates a cert-manager Certificate for each of those Secrets, signed by spec.tls.issuerRef, and cert-manager issues and renews them. Secret: the certificates are yours, in the Secrets spec.tls.secrets names. With any of these, shards serve REST, gRPC and peer-to-peer traffic with TLS, routers serve HTTPS, and the operator and routers verify shards against the CA bundle (ca.crt). Disabled: all of that traffic is clear text, which the TLS condition reports.")]
    public TlsMode Mode { get; set; } = TlsMode.Operator;

    [Description("With mode CertManager: the cert-manager issuer that signs the certificates.")]
    public CertificateIssuerReference? IssuerRef { get; set; }

    [Description("With mode Secret: your kubernetes.io/tls Secrets (tls.crt, tls.key and ca.crt, the CA bundle clients verify against), in the collection's namespace.")]
    public TlsSecrets? Secrets { get; set; }
}

public sealed class CertificateIssuerReference
{
    [Required]
    [MaxLength(253)]
    [RegularExpression(ApiPatterns.DnsSubdomain)]
    [Description("Name of the Issuer (in the collection's namespace) or ClusterIssuer.")]
    public string Name { get; set; } = "";

    [Description("Issuer (default) or ClusterIssuer.")]
    public CertificateIssuerKind Kind { get; set; } = CertificateIssuerKind.Issuer;

    [MaxLength(253)]
    [Description("API group of the issuer (default cert-manager.io; set it for external issuers).")]
    public string Group { get; set; } = "cert-manager.io";
}

[JsonConverter(typeof(JsonStringEnumConverter<CertificateIssuerKind>))]
public enum CertificateIssuerKind
{
    Issuer,
    ClusterIssuer,
}

public sealed class TlsSecrets
{
    [Required]
    [MaxLength(253)]
    [RegularExpression(ApiPatterns.DnsSubdomain)]
    [Description("The Secret every shard serves: its certificate must name each shard's client Service and peer names (see the README: a wildcard such as *.<name>-shard-0-headless.<namespace>.svc counts), and ca.crt must hold the CA that signed it.")]
    public string Shards { get; set; } = "";

    [Required]
    [MaxLength(253)]
    [RegularExpression(ApiPatterns.DnsSubdomain)]
    [Description("The Secret the routers serve: its certificate must name the router Service (<name>-router and its namespaced forms).")]
    public string Router { get; set; } = "";
}

[CelRule("has(self.namespaceSelector) || has(self.podSelector)", "a network peer needs a namespaceSelector, a podSelector or both")]
public sealed class NetworkPeer
{
    [Description("Namespaces whose pods are admitted, by label (e.g. kubernetes.io/metadata.name: monitoring); {} selects every namespace. Without it: the collection's namespace.")]
    public LabelSelector? NamespaceSelector { get; set; }

    [Description("Pods admitted, by label, within the namespaces selected; without it: every pod of those namespaces.")]
    public LabelSelector? PodSelector { get; set; }
}

public sealed class NetworkPolicyOptions
{
    [Description("Create NetworkPolicies for the shard and router pods (default true): shard ports admit only the collection's routers, the operator and the shard's peers; the router port admits spec.router.allowedFrom and the operator. They take effect where the cluster's network plugin enforces NetworkPolicies.")]
    public bool Enabled { get; set; } = true;

    [MaxLength(32)]
    [Description("Who may scrape metrics (the shards' Qdrant port and the routers' port), e.g. the namespace Prometheus runs in.")]
    public IList<NetworkPeer>? MetricsFrom { get; set; }
}

[CelRule("self.maxReplicas >= self.minReplicas", "router.autoscaling.maxReplicas must be at least minReplicas")]
[CelRule("has(self.targetCpuUtilizationPercent) || has(self.targetRequestsPerSecond)",
    "router.autoscaling needs a target: targetCpuUtilizationPercent, targetRequestsPerSecond or both")]
public sealed class RouterAutoscalingSpec
{
    [Range(1, 100)]
    [Description("Fewest router pods.")]
    public int MinReplicas { get; set; } = 2;

    [Range(1, 100)]
    [Description("Most router pods.")]
    public int MaxReplicas { get; set; } = 10;

    [Range(1, 100)]
    [Description("Average CPU use per router pod to aim for, in percent of its CPU request (set spec.router.resources.requests.cpu).")]
    public int? TargetCpuUtilizationPercent { get; set; }

    [Range(1, 1000000)]
    [Description("Average search and write requests per second per router pod to aim for: the pods metric ragrouter_requests_per_second, which a custom-metrics adapter (prometheus-adapter) derives from ragrouter_request_duration_seconds_count.")]
    public int? TargetRequestsPerSecond { get; set; }
}

public sealed class RebalanceSpec
{
    [Range(1, 10000)]
    [Description("Points per scroll/upsert batch while streaming cells between shards.")]
    public int BatchSize { get; set; } = 256;

    [Range(0, 10000000)]
    [Description("Upper bound on points copied per second across the migration; 0 means unlimited.")]
    public int MaxPointsPerSecond { get; set; }

    [RegularExpression(RebalanceIntervals.Pattern)]
    [Description("Least time between the end of one shard migration and the start of the next, as a duration (90s, 5m, 1h30m); unset or 0s starts the next at once. Keeps an autoscaler that changes spec.shards (through the scale subresource) from flapping: a change that arrives sooner waits, and status says until when.")]
    public string? MinInterval { get; set; }
}

/// <summary>Durations in <see cref="RebalanceSpec.MinInterval"/>: whole hours, minutes, seconds and milliseconds.</summary>
public static partial class RebalanceIntervals
{
    public const string Pattern = "^([0-9]{1,6}(h|m|s|ms))+$";

    /// <summary>The duration <paramref name="text"/> names; null when it is not one (the CRD pattern keeps such values out).</summary>
    public static TimeSpan? Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || !Duration().IsMatch(text)) return null;
        var total = TimeSpan.Zero;
        foreach (System.Text.RegularExpressions.Match part in Part().Matches(text))
        {
            var value = long.Parse(part.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                _ => TimeSpan.FromMilliseconds(value),
            };
        }

        return total;
    }

    [System.Text.RegularExpressions.GeneratedRegex(Pattern)]
    private static partial System.Text.RegularExpressions.Regex Duration();

    [System.Text.RegularExpressions.GeneratedRegex("([0-9]+)(ms|h|m|s)")]
    private static partial System.Text.RegularExpressions.Regex Part();
}

public sealed class SnapshotScheduleSpec
{
    [Required]
    [MaxLength(128)]
    [RegularExpression(@"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|\S+\s+\S+\s+\S+\s+\S+\s+\S+)$")]
    [Description("When to take a snapshot, in UTC: a standard 5-field cron expression (minute hour day-of-month month day-of-week; *, lists, ranges, steps, month and day names) or @hourly, @daily, @weekly, @monthly, @yearly. Example: 30 2 * * * is every day at 02:30 UTC.")]
    public string Schedule { get; set; } = "";

    [Range(1, 1000)]
    [Description("How many completed scheduled snapshots to keep; older ones are deleted with their files.")]
    public int Retain { get; set; } = 7;

    [Required]
    [Description("Where the scheduled snapshot sets are stored.")]
    public SnapshotStorageSpec Storage { get; set; } = new();

    [Description("Stop taking scheduled snapshots (existing ones are kept).")]
    public bool Suspend { get; set; }
}
