using System.Reflection;
using FluentAssertions;
using RagOperator.Api;
using RagOperator.Api.Schema;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Validation;
using Xunit;

namespace RagOperator.Operator.Tests.Validation;

public sealed class SpecValidatorTests
{
    [Fact]
    public void A_default_collection_is_valid() => SpecValidator.Validate(Fixtures.Collection()).Should().BeEmpty();

    public static TheoryData<string, Action<VectorCollection>, string> Invalid => new()
    {
        // case, change, field named in the problem
        { "shards below minimum", c => c.Spec.Shards = 0, "spec.shards" },
        { "dimension missing", c => c.Spec.Dimension = 0, "spec.dimension" },
        { "replicas above maximum", c => c.Spec.Replicas = 10, "spec.replicas" },
        { "bad storage size", c => c.Spec.Storage.Size = "ten gigs", "spec.storage.size" },
        { "bad qdrant version", c => c.Spec.Qdrant.Version = "latest", "spec.qdrant.version" },
        { "empty image", c => c.Spec.Qdrant.Image = "", "spec.qdrant.image" },
        { "slots below shards", c => { c.Spec.Shards = 8; c.Spec.Sharding.Slots = 4; }, "spec.sharding.slots" },
        { "compression without product", c => c.Spec.Quantization = new QuantizationSpec { Type = QuantizationType.Scalar, Compression = ProductCompression.X4 }, "spec.quantization.compression" },
        { "quantile without scalar", c => c.Spec.Quantization = new QuantizationSpec { Type = QuantizationType.Binary, Quantile = 0.9 }, "spec.quantization.quantile" },
        { "product without compression", c => c.Spec.Quantization = new QuantizationSpec { Type = QuantizationType.Product }, "spec.quantization.compression" },
        { "semantic cells beyond the limit", c => { c.Spec.Sharding.Strategy = ShardingStrategy.Semantic; c.Spec.Shards = 1024; c.Spec.Sharding.Semantic.CellsPerShard = 256; }, "spec.sharding.semantic.cellsPerShard" },
        { "semantic sample smaller than the cells", c => { c.Spec.Sharding.Strategy = ShardingStrategy.Semantic; c.Spec.Shards = 4; c.Spec.Sharding.Semantic.SampleSize = 16; }, "spec.sharding.semantic.sampleSize" },
        { "sample smaller than the cells per shard", c => { c.Spec.Sharding.Semantic.CellsPerShard = 8; c.Spec.Sharding.Semantic.SampleSize = 4; }, "spec.sharding.semantic.sampleSize" },
        { "name not a DNS label", c => c.Metadata.Name = "Docs_1", "metadata.name" },
        { "name too long for its services", c => c.Metadata.Name = new string('a', 45), "metadata.name" },
        { "secret ref without key", c => c.Spec.Qdrant.ApiKeySecretRef = new SecretKeySelector { Name = "s" }, "spec.qdrant.apiKeySecretRef" },
        { "router timeout out of range", c => c.Spec.Router.SearchTimeoutMs = 5, "spec.router.searchTimeoutMs" },
        { "router autoscaling max below min", c => c.Spec.Router.Autoscaling = new RouterAutoscalingSpec { MinReplicas = 4, MaxReplicas = 2, TargetCpuUtilizationPercent = 70 }, "spec.router.autoscaling" },
        { "router autoscaling without a target", c => c.Spec.Router.Autoscaling = new RouterAutoscalingSpec(), "spec.router.autoscaling" },
        { "a router client peer without selectors", c => c.Spec.Router.AllowedFrom = [new NetworkPeer()], "spec.router.allowedFrom[0]" },
        { "a metrics peer without selectors", c => c.Spec.NetworkPolicy.MetricsFrom = [new NetworkPeer { PodSelector = new() }, new NetworkPeer()], "spec.networkPolicy.metricsFrom[1]" },
        { "too many router client peers", c => c.Spec.Router.AllowedFrom = [.. Enumerable.Range(0, 33).Select(_ => new NetworkPeer { PodSelector = new() })], "spec.router.allowedFrom" },
        { "min interval not a duration", c => c.Spec.Rebalance.MinInterval = "5 minutes", "spec.rebalance.minInterval" },
        { "cert-manager without an issuer", c => c.Spec.Tls.Mode = TlsMode.CertManager, "spec.tls.issuerRef" },
        { "an issuer without cert-manager", c => c.Spec.Tls.IssuerRef = new CertificateIssuerReference { Name = "ca" }, "spec.tls.issuerRef" },
        { "own Secrets not named", c => c.Spec.Tls.Mode = TlsMode.Secret, "spec.tls.secrets" },
        { "Secrets named without mode Secret", c => c.Spec.Tls.Secrets = new TlsSecrets { Shards = "a", Router = "b" }, "spec.tls.secrets" },
        { "an issuer name that is not a DNS name", c => c.Spec.Tls = new TlsSpec { Mode = TlsMode.CertManager, IssuerRef = new CertificateIssuerReference { Name = "Corp CA" } }, "spec.tls.issuerRef.name" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_specs_name_the_field(string description, Action<VectorCollection> change, string field)
    {
        var collection = Fixtures.Collection();
        change(collection);

        SpecValidator.Validate(collection).Should().Contain(p => p.Field == field, description);
    }

    [Fact]
    public void Every_cel_rule_without_old_self_is_checked_without_an_api_server()
    {
        var rules = ApiTypes.All.SelectMany(Reachable).Distinct()
            .SelectMany(t => t.GetCustomAttributes<CelRuleAttribute>().Concat(t.GetProperties().SelectMany(p => p.GetCustomAttributes<CelRuleAttribute>())))
            .Where(r => !r.Rule.Contains("oldSelf", StringComparison.Ordinal))
            .Select(r => r.Message)
            .ToHashSet();

        var violations = new List<SpecProblem>();
        foreach (var (_, change, _) in Invalid.Select(row => ((string)row[0], (Action<VectorCollection>)row[1], (string)row[2])))
        {
            var collection = Fixtures.Collection();
            change(collection);
            violations.AddRange(SpecValidator.Validate(collection));
        }

        violations.AddRange(SpecValidator.Validate(Fixtures.Pool(configure: s => s.Gpu = new GpuSpec { ResourceName = "nvidia.com/gpu", Count = 0 })));
        violations.AddRange(SpecValidator.Validate(new VectorSnapshot { Spec = new VectorSnapshotSpec { Collection = "docs" } }));
        violations.AddRange(SpecValidator.Validate(new VectorRestore
        {
            Spec = new VectorRestoreSpec { Source = new RestoreSource { Storage = new SnapshotStorageSpec() }, Target = new RestoreTarget { Name = "copy" } },
        }));
        violations.AddRange(SpecValidator.Validate(new VectorRestore { Spec = new VectorRestoreSpec { Target = new RestoreTarget { Name = "copy" } } }));
        rules.Should().BeSubsetOf(violations.Select(v => v.Message));
    }

    private static IEnumerable<Type> Reachable(Type type)
    {
        var seen = new HashSet<Type>();
        var queue = new Queue<Type>([type]);
        while (queue.TryDequeue(out var next))
        {
            if (!seen.Add(next)) continue;
            foreach (var property in next.GetProperties())
            {
                var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (propertyType.IsGenericType) propertyType = propertyType.GetGenericArguments().Last();
                if (propertyType.Namespace?.StartsWith("RagOperator.Api", StringComparison.Ordinal) == true) queue.Enqueue(propertyType);
            }
        }

        return seen;
    }
}
