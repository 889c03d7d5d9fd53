using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FluentAssertions;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Tls;
using Xunit;

namespace RagOperator.Operator.Tests.Tls;

public sealed class ServedCertificateCheckTests
{
    private const string SecretName = "my-shards";
    private static readonly CertificateLifetimes Lifetimes = CertificateLifetimes.Default;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<string> Shard0Hosts = ServedCertificateCheck.ShardHosts("search", "docs", 0);

    private static AuthorityState Authority(DateTimeOffset now) => CertificatePlanner.Authority("docs", null, now, Lifetimes).State;

    private static IssuedCertificate Shard0Leaf(AuthorityState ca, DateTimeOffset now) =>
        CertificatePlanner.Leaf(CertificateNeeds.Shard("search", "docs", 0), ca, null, null, now, Lifetimes).Certificate;

    private static Dictionary<string, byte[]> Data(IssuedCertificate certificate, string trustBundlePem) => new(StringComparer.Ordinal)
    {
        [TlsSecretBuilder.CertificateKey] = Encoding.UTF8.GetBytes(certificate.CertificatePem),
        [TlsSecretBuilder.PrivateKeyKey] = Encoding.UTF8.GetBytes(certificate.PrivateKeyPem),
        [TlsSecretBuilder.TrustBundleKey] = Encoding.UTF8.GetBytes(trustBundlePem),
    };

    private static Dictionary<string, byte[]> GoodShard0Secret(out AuthorityState ca)
    {
        ca = Authority(Start);
        return Data(Shard0Leaf(ca, Start), ca.TrustBundlePem);
    }

    [Fact]
    public void A_missing_secret_is_reported_as_not_existing()
    {
        var served = ServedCertificateCheck.Check(SecretName, null, Shard0Hosts, Start);

        served.Usable.Should().BeFalse();
        served.Problems.Should().Equal("Secret my-shards does not exist");
        served.NotAfter.Should().BeNull();
        served.RenewAt.Should().BeNull();
        served.TrustBundlePem.Should().BeNull();
    }

    [Theory]
    [InlineData(TlsSecretBuilder.CertificateKey)]
    [InlineData(TlsSecretBuilder.PrivateKeyKey)]
    [InlineData(TlsSecretBuilder.TrustBundleKey)]
    public void A_secret_without_one_of_the_keys_a_pod_reads_names_that_key(string key)
    {
        var data = GoodShard0Secret(out _);
        data.Remove(key);

        var served = ServedCertificateCheck.Check(SecretName, data, Shard0Hosts, Start);

        served.Problems.Should().ContainSingle().Which.Should().StartWith($"Secret my-shards has no {key} (");
    }

    [Fact]
    public void An_empty_secret_names_all_three_missing_keys()
    {
        var served = ServedCertificateCheck.Check(SecretName, new Dictionary<string, byte[]>(), Shard0Hosts, Start);

        served.Problems.Should().ContainSingle().Which.Should().Be(
            "Secret my-shards has no tls.crt, tls.key, ca.crt (a kubernetes.io/tls Secret with the CA bundle as ca.crt is expected)");
    }

    [Fact]
    public void A_private_key_that_does_not_belong_to_the_certificate_is_reported()
    {
        var ca = Authority(Start);
        var leaf = Shard0Leaf(ca, Start);
        var other = Shard0Leaf(ca, Start);
        var data = Data(leaf with { PrivateKeyPem = other.PrivateKeyPem }, ca.TrustBundlePem);

        var served = ServedCertificateCheck.Check(SecretName, data, Shard0Hosts, Start);

        served.Usable.Should().BeFalse();
        served.Problems.Should().Equal(
            "tls.key of Secret my-shards is not the private key of the certificate in tls.crt; put the certificate's own key in tls.key");
    }

    [Fact]
    public void A_tls_crt_that_is_not_a_pem_certificate_is_reported()
    {
        var data = GoodShard0Secret(out _);
        data[TlsSecretBuilder.CertificateKey] = Encoding.UTF8.GetBytes("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        var served = ServedCertificateCheck.Check(SecretName, data, Shard0Hosts, Start);

        served.Problems.Should().ContainSingle().Which.Should().StartWith(
            "tls.crt and tls.key of Secret my-shards are not a PEM certificate and its private key: ");
    }

    [Theory]
    [InlineData("not a certificate")]
    [InlineData("")]
    public void A_ca_bundle_that_is_not_pem_is_reported(string bundle)
    {
        var data = GoodShard0Secret(out _);
        data[TlsSecretBuilder.TrustBundleKey] = Encoding.UTF8.GetBytes(bundle);

        var served = ServedCertificateCheck.Check(SecretName, data, Shard0Hosts, Start);

        served.Problems.Should().ContainSingle().Which.Should().Be(
            "ca.crt of Secret my-shards: the CA bundle holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
    }

    [Fact]
    public void An_expired_certificate_is_reported_with_its_expiry_and_nothing_else()
    {
        var ca = Authority(Start);
        var leaf = CertificateIssuer.IssueLeaf(ca.Current, "docs-shard-0", CertificateNeeds.Shard("search", "docs", 0).DnsNames, Start, TimeSpan.FromDays(1));

        var served = ServedCertificateCheck.Check(SecretName, Data(leaf, ca.TrustBundlePem), Shard0Hosts, Start + TimeSpan.FromDays(2));

        served.Usable.Should().BeFalse();
        served.Problems.Should().Equal("the certificate in Secret my-shards expired on 2026-01-02 00:00:00Z; renew it");
        served.NotAfter.Should().Be(Start + TimeSpan.FromDays(1));
    }

    [Fact]
    public void A_certificate_that_is_not_valid_yet_is_reported()
    {
        var ca = Authority(Start);
        var leaf = Shard0Leaf(ca, Start + TimeSpan.FromDays(10));

        var served = ServedCertificateCheck.Check(SecretName, Data(leaf, ca.TrustBundlePem), Shard0Hosts, Start + TimeSpan.FromDays(1));

        served.Problems.Should().Equal("the certificate in Secret my-shards is not valid before 2026-01-10 23:55:00Z");
    }

    [Fact]
    public void A_certificate_from_another_ca_than_the_bundle_does_not_chain()
    {
        var ours = Authority(Start);
        var theirs = Authority(Start);

        var served = ServedCertificateCheck.Check(SecretName, Data(Shard0Leaf(theirs, Start), ours.TrustBundlePem), Shard0Hosts, Start);

        served.Problems.Should().ContainSingle().Which.Should().Be(
            "the certificate in Secret my-shards does not chain to a CA in its ca.crt for server use (serverAuth); put the issuing CA in ca.crt");
    }

    [Fact]
    public void A_host_the_certificate_does_not_name_is_reported_with_a_wildcard_to_add()
    {
        var ca = Authority(Start);
        var leaf = CertificateIssuer.IssueLeaf(ca.Current, "docs-shard-0", ["docs-shard-0.search.svc"], Start, Lifetimes.Leaf);

        var served = ServedCertificateCheck.Check(SecretName, Data(leaf, ca.TrustBundlePem), Shard0Hosts, Start);

        served.Problems.Should().ContainSingle().Which.Should().Be(
            "the certificate in Secret my-shards does not name docs-shard-0-0.docs-shard-0-headless.search.svc; " +
            "add them (or a wildcard such as *.docs-shard-0-headless.search.svc) as DNS names");
    }

    [Fact]
    public void A_shard_certificate_checked_against_another_shards_hosts_names_every_missing_host()
    {
        var data = GoodShard0Secret(out _);

        var served = ServedCertificateCheck.Check(SecretName, data, ServedCertificateCheck.ShardHosts("search", "docs", 1), Start);

        served.Problems.Should().ContainSingle().Which.Should().Contain(
            "does not name docs-shard-1.search.svc, docs-shard-1-0.docs-shard-1-headless.search.svc;");
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00Z")]
    [InlineData("2040-06-01T12:00:00Z")]
    public void A_good_secret_has_no_problems_and_tells_when_it_expires_and_is_due_for_renewal(string issued)
    {
        // Far from the real clock either way: the check judges the certificate at the now it is given.
        var start = DateTimeOffset.Parse(issued, CultureInfo.InvariantCulture);
        var ca = Authority(start);
        var data = Data(Shard0Leaf(ca, start), ca.TrustBundlePem);
        using var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(data[TlsSecretBuilder.CertificateKey]));

        var served = ServedCertificateCheck.Check(SecretName, data, Shard0Hosts, start + TimeSpan.FromDays(30));

        served.Problems.Should().BeEmpty();
        served.Usable.Should().BeTrue();
        served.NotAfter.Should().Be(start + Lifetimes.Leaf);
        served.RenewAt.Should().Be(CertificateLifetimes.RenewAt(certificate));
        served.RenewAt.Should().BeAfter(start + TimeSpan.FromDays(59)).And.BeBefore(start + TimeSpan.FromDays(61));
        served.TrustBundlePem.Should().Be(ca.TrustBundlePem);
    }

    [Fact]
    public void The_operators_own_router_certificate_passes_the_router_check()
    {
        var ca = Authority(Start);
        var leaf = CertificatePlanner.Leaf(CertificateNeeds.Router("search", "docs"), ca, null, null, Start, Lifetimes).Certificate;

        ServedCertificateCheck.Check("my-router", Data(leaf, ca.TrustBundlePem), ServedCertificateCheck.RouterHosts("search", "docs"), Start)
            .Problems.Should().BeEmpty();
    }

    [Fact]
    public void Shard_hosts_are_the_client_service_and_the_first_pods_peer_name()
    {
        ServedCertificateCheck.ShardHosts("search", "docs", 3).Should().Equal(
            "docs-shard-3.search.svc", "docs-shard-3-0.docs-shard-3-headless.search.svc");
    }

    [Fact]
    public void Router_hosts_are_the_router_service()
    {
        ServedCertificateCheck.RouterHosts("team-a", "images-v2").Should().Equal("images-v2-router.team-a.svc");
    }

    [Theory]
    [InlineData("docs-shard-0.search.svc", "docs-shard-0.search.svc", true)]
    [InlineData("docs-shard-0.search.svc", "docs-shard-1.search.svc", false)]
    [InlineData("DOCS-Shard-0.Search.SVC", "docs-shard-0.search.svc", true)]
    [InlineData("*.docs-shard-0-headless.search.svc", "docs-shard-0-1.docs-shard-0-headless.search.svc", true)]
    [InlineData("*.DOCS-shard-0-headless.search.svc", "docs-shard-0-1.docs-shard-0-headless.Search.svc", true)]
    [InlineData("*.search.svc", "a.b.search.svc", false)]
    [InlineData("*.search.svc", "search.svc", false)]
    [InlineData("*.search.svc", ".search.svc", false)]
    [InlineData("*.docs-shard-0-headless.search.svc", "docs-shard-0-headless.search.svc", false)]
    [InlineData("docs-*.search.svc", "docs-shard-0.search.svc", false)]
    public void A_name_covers_a_host_when_equal_or_a_wildcard_for_exactly_its_first_label(string name, string host, bool covers)
    {
        ServedCertificateCheck.Covers(name, host).Should().Be(covers);
    }

    [Fact]
    public void A_bundle_trusts_a_secret_whose_certificate_its_ca_signed_and_no_other()
    {
        var ours = Authority(DateTimeOffset.UtcNow);
        var theirs = Authority(DateTimeOffset.UtcNow);
        var signedByUs = Data(Shard0Leaf(ours, DateTimeOffset.UtcNow), ours.TrustBundlePem);
        var signedByThem = Data(Shard0Leaf(theirs, DateTimeOffset.UtcNow), theirs.TrustBundlePem);

        ServedCertificateCheck.Trusts(ours.TrustBundlePem, signedByUs).Should().BeTrue();
        ServedCertificateCheck.Trusts(ours.TrustBundlePem, signedByThem).Should().BeFalse();
        ServedCertificateCheck.Trusts(ours.TrustBundlePem + theirs.TrustBundlePem, signedByThem).Should().BeTrue();
    }
}
