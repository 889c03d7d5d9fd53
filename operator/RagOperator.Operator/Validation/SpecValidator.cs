using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Validation;

/// <summary>
/// Validation of the API objects without an API server: the schema's bounds and patterns (<see cref="SchemaRules"/>),
/// the CRD's CEL rules that do not compare with an old object (written out here; a test keeps the list in step with
/// the <c>[CelRule]</c> attributes), and the checks no schema can express that the reconciler also makes.
/// </summary>
public static class SpecValidator
{
    public static IReadOnlyList<SpecProblem> Validate(VectorCollection collection)
    {
        var problems = new List<SpecProblem>();
        ValidateName(collection.Metadata.Name, problems);
        SchemaRules.Check(collection.Spec, "spec", problems);
        problems.AddRange(CelRules(collection.Spec));
        problems.AddRange(BeyondSchema(collection));
        return problems;
    }

    public static IReadOnlyList<SpecProblem> Validate(VectorNodePool pool)
    {
        var problems = new List<SpecProblem>();
        if (string.IsNullOrEmpty(pool.Metadata.Name)) problems.Add(new SpecProblem("metadata.name", "Required value"));
        SchemaRules.Check(pool.Spec, "spec", problems);
        if (pool.Spec.Gpu is { ResourceName: not null, Count: <= 0 })
            problems.Add(new SpecProblem("spec.gpu.count", "spec.gpu.count must be greater than 0 when spec.gpu.resourceName is set"));
        return problems;
    }

    /// <summary>The CEL rules of the VectorCollection CRD that need no old object.</summary>
    public static IEnumerable<SpecProblem> CelRules(VectorCollectionSpec spec)
    {
        if (spec.Sharding.Slots < spec.Shards)
            yield return new SpecProblem("spec.sharding.slots", "spec.sharding.slots must be greater than or equal to spec.shards: every shard needs at least one cell");
        if (spec.Quantization.Type != QuantizationType.Product && spec.Quantization.Compression is not null)
            yield return new SpecProblem("spec.quantization.compression", "spec.quantization.compression applies only to type product");
        if (spec.Quantization.Type != QuantizationType.Scalar && spec.Quantization.Quantile is not null)
            yield return new SpecProblem("spec.quantization.quantile", "spec.quantization.quantile applies only to type scalar");
        if (spec.Sharding.Strategy == ShardingStrategy.Semantic && (long)spec.Shards * spec.Sharding.Semantic.CellsPerShard > 65536)
            yield return new SpecProblem("spec.sharding.semantic.cellsPerShard", "spec.shards * spec.sharding.semantic.cellsPerShard must be at most 65536 cells");
        if (spec.Sharding.Strategy == ShardingStrategy.Semantic && spec.Sharding.Semantic.SampleSize < (long)spec.Shards * spec.Sharding.Semantic.CellsPerShard)
            yield return new SpecProblem("spec.sharding.semantic.sampleSize", "spec.sharding.semantic.sampleSize must be at least spec.shards * cellsPerShard: k-means needs a point per centroid");
        if (spec.Sharding.Semantic.SampleSize < spec.Sharding.Semantic.CellsPerShard)
            yield return new SpecProblem("spec.sharding.semantic.sampleSize", "spec.sharding.semantic.sampleSize must be at least cellsPerShard: k-means needs a point per centroid");
        if (spec.Router.Autoscaling is { } autoscaling && autoscaling.MaxReplicas < autoscaling.MinReplicas)
            yield return new SpecProblem("spec.router.autoscaling", "router.autoscaling.maxReplicas must be at least minReplicas");
        if (spec.Router.Autoscaling is { TargetCpuUtilizationPercent: null, TargetRequestsPerSecond: null })
            yield return new SpecProblem("spec.router.autoscaling", "router.autoscaling needs a target: targetCpuUtilizationPercent, targetRequestsPerSecond or both");
        foreach (var (peers, path) in new[] { (spec.Router.AllowedFrom, "spec.router.allowedFrom"), (spec.NetworkPolicy.MetricsFrom, "spec.networkPolicy.metricsFrom") })
        {
            for (var i = 0; i < (peers?.Count ?? 0); i++)
            {
                if (peers![i] is { NamespaceSelector: null, PodSelector: null })
                    yield return new SpecProblem($"{path}[{i}]", "a network peer needs a namespaceSelector, a podSelector or both");
            }
        }

        if (spec.Snapshots is { } snapshots)
        {
            foreach (var problem in StorageRules(snapshots.Storage, "spec.snapshots.storage")) yield return problem;
        }

        var tls = spec.Tls;
        if (tls.Mode == TlsMode.CertManager && tls.IssuerRef is null)
            yield return new SpecProblem("spec.tls.issuerRef", "spec.tls.issuerRef is required with mode CertManager: name the cert-manager Issuer or ClusterIssuer that signs the collection's certificates");
        if (tls.Mode != TlsMode.CertManager && tls.IssuerRef is not null)
            yield return new SpecProblem("spec.tls.issuerRef", "spec.tls.issuerRef is used only with mode CertManager; remove it or set mode: CertManager");
        if (tls.Mode == TlsMode.Secret && tls.Secrets is null)
            yield return new SpecProblem("spec.tls.secrets", "spec.tls.secrets is required with mode Secret: name the kubernetes.io/tls Secrets the shards and the routers serve");
        if (tls.Mode != TlsMode.Secret && tls.Secrets is not null)
            yield return new SpecProblem("spec.tls.secrets", "spec.tls.secrets is used only with mode Secret; remove it or set mode: Secret");
    }

    /// <summary>The CRD's checks of a VectorSnapshot that need no old object (schema bounds and CEL rules).</summary>
    public static IReadOnlyList<SpecProblem> Validate(VectorSnapshot snapshot)
    {
        var problems = new List<SpecProblem>();
        SchemaRules.Check(snapshot.Spec, "spec", problems);
        problems.AddRange(StorageRules(snapshot.Spec.Storage, "spec.storage"));
        return problems;
    }

    /// <summary>The CRD's checks of a VectorRestore that need no old object (schema bounds and CEL rules).</summary>
    public static IReadOnlyList<SpecProblem> Validate(VectorRestore restore)
    {
        var problems = new List<SpecProblem>();
        SchemaRules.Check(restore.Spec, "spec", problems);
        var source = restore.Spec.Source;
        if ((source.Snapshot is null) == (source.Storage is null))
            problems.Add(new SpecProblem("spec.source", "set exactly one of source.snapshot (a VectorSnapshot in this namespace) and source.storage with source.manifest"));
        if ((source.Storage is null) != (source.Manifest is null))
            problems.Add(new SpecProblem("spec.source.manifest", "source.storage and source.manifest go together: name the storage and the key of the set's manifest.json in it"));
        if (source.Storage is { } storage) problems.AddRange(StorageRules(storage, "spec.source.storage"));
        return problems;
    }

    private static IEnumerable<SpecProblem> StorageRules(SnapshotStorageSpec storage, string path)
    {
        if ((storage.Pvc is null) == (storage.S3 is null))
            yield return new SpecProblem(path, "set exactly one of storage.pvc (a PersistentVolumeClaim mounted into the operator) and storage.s3 (an S3-compatible bucket)");
    }

    /// <summary>
    /// What the schema cannot express; the reconciler reports these as a condition instead of applying anything.
    /// </summary>
    public static IEnumerable<SpecProblem> BeyondSchema(VectorCollection collection)
    {
        var spec = collection.Spec;
        if (spec.Quantization.Type == QuantizationType.Product && spec.Quantization.Compression is null)
            yield return new SpecProblem("spec.quantization.compression", "product quantization needs a compression ratio (x4, x8, x16, x32 or x64)");
        if (spec.Qdrant.ApiKeySecretRef is { } qdrantKey && (qdrantKey.Name.Length == 0 || qdrantKey.Key.Length == 0))
            yield return new SpecProblem("spec.qdrant.apiKeySecretRef", "both name and key of the Secret are required");
        if (spec.Router.ApiKeySecretRef is { } routerKey && (routerKey.Name.Length == 0 || routerKey.Key.Length == 0))
            yield return new SpecProblem("spec.router.apiKeySecretRef", "both name and key of the Secret are required");
        if (collection.Metadata.Name is { Length: > 0 } name)
        {
            // Names grow with the shard count; check the longest one this spec produces.
            var lastShard = Math.Max(spec.Shards - 1, 0);
            var headless = ChildNames.ShardHeadless(name, lastShard);
            if (headless.Length > ChildNames.MaxServiceNameLength)
                yield return new SpecProblem("metadata.name",
                    $"the collection name is too long: Service {headless} would exceed {ChildNames.MaxServiceNameLength} characters; use a shorter name");
            var statefulSet = ChildNames.Shard(name, lastShard);
            if (statefulSet.Length > ChildNames.MaxStatefulSetNameLength)
                yield return new SpecProblem("metadata.name",
                    $"the collection name is too long: StatefulSet {statefulSet} would exceed {ChildNames.MaxStatefulSetNameLength} characters; use a shorter name");
        }
    }

    private static void ValidateName(string? name, List<SpecProblem> problems)
    {
        if (string.IsNullOrEmpty(name))
        {
            problems.Add(new SpecProblem("metadata.name", "Required value"));
            return;
        }

        // Child Services take the collection name as a prefix, and Service names are DNS-1035 labels.
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z]([-a-z0-9]*[a-z0-9])?$"))
            problems.Add(new SpecProblem("metadata.name",
                $"Invalid value: \"{name}\": a collection name must consist of lower case alphanumeric characters or '-', start with a letter and end with an alphanumeric character"));
    }
}
