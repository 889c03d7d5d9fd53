using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Tls;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class CertificateBuilderTests
{
    private static readonly CertificateIssuerReference Issuer = new() { Name = "internal-ca", Kind = CertificateIssuerKind.Issuer, Group = "cert-manager.io" };

    public static TheoryData<string, string, int?, string> Needs => new()
    {
        // collection, namespace, shard (null: the router), secret
        { "docs", "search", 0, "docs-shard-0-tls" },
        { "docs", "search", 3, "docs-shard-3-tls" },
        { "images-v2", "team-a", null, "images-v2-router-tls" },
    };

    private static CertificateNeed Need(string name, string ns, int? shard) =>
        shard is { } i ? CertificateNeeds.Shard(ns, name, i) : CertificateNeeds.Router(ns, name);

    [Theory]
    [MemberData(nameof(Needs))]
    public void The_certificate_is_named_after_its_secret_and_owned_by_the_collection(string name, string ns, int? shard, string secret)
    {
        var input = Fixtures.Input(Fixtures.Collection(name, ns));

        var certificate = CertificateBuilder.Build(input, Need(name, ns, shard), Issuer, CertificateLifetimes.Default);

        certificate.ApiVersion.Should().Be("cert-manager.io/v1");
        certificate.Kind.Should().Be("Certificate");
        certificate.Metadata.Name.Should().Be(secret);
        certificate.Metadata.Namespace.Should().Be(ns);
        certificate.Spec.SecretName.Should().Be(secret);
        certificate.Metadata.Labels.Should().Contain("ragoperator.io/collection", name).And.Contain("app.kubernetes.io/managed-by", "rag-operator");
        certificate.Metadata.OwnerReferences.Should().ContainSingle().Which.Should().BeEquivalentTo(new OwnerReference
        {
            ApiVersion = "ragoperator.io/v1alpha1", Kind = "VectorCollection", Name = name, Uid = $"uid-{name}", Controller = true, BlockOwnerDeletion = true,
        });
    }

    [Theory]
    [MemberData(nameof(Needs))]
    public void The_certificate_carries_the_names_the_operators_own_ca_would_issue(string name, string ns, int? shard, string secret)
    {
        var need = Need(name, ns, shard);

        var spec = CertificateBuilder.Build(Fixtures.Input(Fixtures.Collection(name, ns)), need, Issuer, CertificateLifetimes.Default).Spec;

        need.SecretName.Should().Be(secret);
        spec.CommonName.Should().Be(need.CommonName);
        spec.DnsNames.Should().Equal(need.DnsNames);
        spec.DnsNames.Should().Contain(shard is { } i ? $"*.{name}-shard-{i}-headless.{ns}.svc" : $"{name}-router.{ns}.svc");
    }

    [Fact]
    public void The_default_lifetimes_ask_for_90_days_renewed_with_30_left()
    {
        var spec = CertificateBuilder.Build(Fixtures.Input(), CertificateNeeds.Shard("search", "docs", 0), Issuer, CertificateLifetimes.Default).Spec;

        spec.Duration.Should().Be("2160h");
        spec.RenewBefore.Should().Be("720h");
    }

    [Fact]
    public void Other_lifetimes_are_written_as_go_hours()
    {
        var lifetimes = CertificateLifetimes.Default with { Leaf = TimeSpan.FromDays(30) };

        var spec = CertificateBuilder.Build(Fixtures.Input(), CertificateNeeds.Router("search", "docs"), Issuer, lifetimes).Spec;

        spec.Duration.Should().Be("720h");
        spec.RenewBefore.Should().Be("240h");
    }

    [Fact]
    public void Lifetimes_that_are_not_whole_hours_are_written_as_go_minutes_rather_than_truncated()
    {
        var lifetimes = CertificateLifetimes.Default with { Leaf = TimeSpan.FromMinutes(100) };

        var spec = CertificateBuilder.Build(Fixtures.Input(), CertificateNeeds.Router("search", "docs"), Issuer, lifetimes).Spec;

        spec.Duration.Should().Be("100m");
        spec.RenewBefore.Should().Be("34m", "a third of 100 minutes, rounded up so that renewal is never late");
    }

    [Fact]
    public void Every_renewal_gets_a_fresh_ecdsa_p256_key_usable_for_server_and_client_auth()
    {
        var spec = CertificateBuilder.Build(Fixtures.Input(), CertificateNeeds.Shard("search", "docs", 0), Issuer, CertificateLifetimes.Default).Spec;

        spec.PrivateKey.Should().BeEquivalentTo(new CertManagerPrivateKey { Algorithm = "ECDSA", Size = 256, RotationPolicy = "Always" });
        spec.Usages.Should().Contain(["server auth", "client auth"]);
    }

    public static TheoryData<string, CertificateIssuerKind, string, string> Issuers => new()
    {
        { "internal-ca", CertificateIssuerKind.Issuer, "cert-manager.io", "Issuer" },
        { "letsencrypt-cluster", CertificateIssuerKind.ClusterIssuer, "cert-manager.io", "ClusterIssuer" },
        { "vault", CertificateIssuerKind.ClusterIssuer, "vault-issuer.example.com", "ClusterIssuer" },
    };

    [Theory]
    [MemberData(nameof(Issuers))]
    public void The_issuer_reference_is_copied_from_the_spec(string name, CertificateIssuerKind kind, string group, string expectedKind)
    {
        var issuer = new CertificateIssuerReference { Name = name, Kind = kind, Group = group };

        var spec = CertificateBuilder.Build(Fixtures.Input(), CertificateNeeds.Router("search", "docs"), issuer, CertificateLifetimes.Default).Spec;

        spec.IssuerRef.Should().BeEquivalentTo(new CertManagerIssuerReference { Name = name, Kind = expectedKind, Group = group });
    }

    [Fact]
    public void The_certificate_serializes_with_the_field_names_cert_manager_reads()
    {
        var json = Fixtures.Json(CertificateBuilder.Build(Fixtures.Input(), CertificateNeeds.Shard("search", "docs", 1),
            new CertificateIssuerReference { Name = "corp", Kind = CertificateIssuerKind.ClusterIssuer }, CertificateLifetimes.Default));

        json["apiVersion"]!.GetValue<string>().Should().Be("cert-manager.io/v1");
        var spec = json["spec"]!;
        spec["secretName"]!.GetValue<string>().Should().Be("docs-shard-1-tls");
        spec["commonName"]!.GetValue<string>().Should().Be("docs-shard-1");
        spec["dnsNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain("docs-shard-1.search.svc.cluster.local");
        spec["duration"]!.GetValue<string>().Should().Be("2160h");
        spec["renewBefore"]!.GetValue<string>().Should().Be("720h");
        spec["privateKey"]!["rotationPolicy"]!.GetValue<string>().Should().Be("Always");
        spec["issuerRef"]!.ToJsonString().Should().Be("""{"name":"corp","kind":"ClusterIssuer","group":"cert-manager.io"}""");
    }
}
