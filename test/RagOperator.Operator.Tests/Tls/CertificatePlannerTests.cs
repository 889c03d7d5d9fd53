using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using RagOperator.Operator.Tls;
using RagOperator.Qdrant.Tls;
using Xunit;

namespace RagOperator.Operator.Tests.Tls;

public sealed class CertificatePlannerTests
{
    private static readonly CertificateLifetimes Lifetimes = CertificateLifetimes.Default;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CertificateNeed Shard0 = CertificateNeeds.Shard("search", "docs", 0);

    [Fact]
    public void A_new_collection_gets_a_ca_and_a_shard_certificate_that_names_its_services_and_peers()
    {
        var ca = CertificatePlanner.Authority("docs", null, Start, Lifetimes);
        var leaf = CertificatePlanner.Leaf(Shard0, ca.State, null, null, Start, Lifetimes);

        ca.Reason.Should().Be("created");
        leaf.Reason.Should().Be("created");
        using var certificate = leaf.Certificate.Load();
        CertificateIssuer.DnsNames(certificate).Should().Contain([
            "docs-shard-0", "docs-shard-0.search.svc", "docs-shard-0.search.svc.cluster.local",
            "*.docs-shard-0-headless.search.svc", "*.docs-shard-0-headless.search.svc.cluster.local"]);
        certificate.HasPrivateKey.Should().BeTrue();
        certificate.NotAfter.ToUniversalTime().Should().BeCloseTo((Start + Lifetimes.Leaf).UtcDateTime, TimeSpan.FromSeconds(1));
        leaf.TrustBundlePem.Should().Be(ca.State.TrustBundlePem);
    }

    [Fact]
    public void Certificates_are_kept_until_a_third_of_their_life_is_left_and_then_renewed()
    {
        var ca = CertificatePlanner.Authority("docs", null, Start, Lifetimes).State;
        var leaf = CertificatePlanner.Leaf(Shard0, ca, null, null, Start, Lifetimes).Certificate;

        var day59 = CertificatePlanner.Leaf(Shard0, ca, leaf, ca.TrustBundlePem, Start + TimeSpan.FromDays(59), Lifetimes);
        var day61 = CertificatePlanner.Leaf(Shard0, ca, leaf, ca.TrustBundlePem, Start + TimeSpan.FromDays(61), Lifetimes);

        day59.Changed.Should().BeFalse();
        day59.Certificate.Should().BeSameAs(leaf);
        day61.Reason.Should().StartWith("renewed: it expires");
        CertificatePlanner.Authority("docs", ca, Start + TimeSpan.FromDays(240), Lifetimes).Changed.Should().BeFalse();
        CertificatePlanner.Authority("docs", ca, Start + TimeSpan.FromDays(245), Lifetimes).Reason.Should().StartWith("renewed: the CA expires");
    }

    [Fact]
    public void A_shard_certificate_whose_names_changed_is_issued_again()
    {
        var ca = CertificatePlanner.Authority("docs", null, Start, Lifetimes).State;
        var leaf = CertificatePlanner.Leaf(Shard0, ca, null, null, Start, Lifetimes).Certificate;

        var renamed = CertificatePlanner.Leaf(Shard0 with { DnsNames = [.. Shard0.DnsNames, "docs.example.com"] }, ca, leaf, ca.TrustBundlePem, Start, Lifetimes);

        renamed.Reason.Should().Be("its DNS names changed");
    }

    [Fact]
    public void A_renewed_ca_is_trusted_before_any_leaf_moves_to_it_and_the_old_ca_stays_trusted_until_it_expires()
    {
        var first = CertificatePlanner.Authority("docs", null, Start, Lifetimes).State;
        var leaf = CertificatePlanner.Leaf(Shard0, first, null, null, Start + TimeSpan.FromDays(200), Lifetimes).Certificate;
        var renewedAt = Start + TimeSpan.FromDays(250);

        var second = CertificatePlanner.Authority("docs", first, renewedAt, Lifetimes).State;
        var rightAfter = CertificatePlanner.Leaf(Shard0, second, leaf, first.TrustBundlePem, renewedAt + TimeSpan.FromMinutes(1), Lifetimes);
        var later = CertificatePlanner.Leaf(Shard0, second, leaf, second.TrustBundlePem, renewedAt + Lifetimes.TrustPropagation, Lifetimes);

        Roots(second.TrustBundlePem).Should().HaveCount(2, "clients trust the old and the new CA");
        rightAfter.Reason.Should().Be("the CA trust bundle changed", "the leaf keeps its old-CA certificate while the new bundle reaches every pod");
        rightAfter.Certificate.Should().BeSameAs(leaf);
        later.Reason.Should().Be("the CA was renewed");
        var afterOldExpired = CertificatePlanner.Authority("docs", second, Start + Lifetimes.Authority + TimeSpan.FromDays(1), Lifetimes);
        afterOldExpired.Reason.Should().Be("expired CAs left the trust bundle");
        Roots(afterOldExpired.State.TrustBundlePem).Should().ContainSingle();
    }

    [Fact]
    public void An_unreadable_stored_ca_is_replaced()
    {
        var broken = new AuthorityState(new IssuedCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "x"), "", Start);

        var decision = CertificatePlanner.Authority("docs", broken, Start, Lifetimes);

        decision.Reason.Should().StartWith("the stored CA could not be read");
        Roots(decision.State.TrustBundlePem).Should().ContainSingle();
    }

    [Theory]
    [InlineData("docs-shard-0.search.svc", SslPolicyErrors.None, true)]
    [InlineData("docs-shard-1.search.svc", SslPolicyErrors.RemoteCertificateNameMismatch, false)]
    [InlineData("10.1.2.3", SslPolicyErrors.RemoteCertificateNameMismatch, true)]
    [InlineData("docs-shard-0.search.svc", SslPolicyErrors.RemoteCertificateNotAvailable, false)]
    public void The_trust_bundle_accepts_the_collections_certificate_by_name_or_by_ip_and_nothing_else(string host, SslPolicyErrors errors, bool accepted)
    {
        var now = DateTimeOffset.UtcNow;
        var ca = CertificatePlanner.Authority("docs", null, now, Lifetimes).State;
        using var leaf = CertificatePlanner.Leaf(Shard0, ca, null, null, now, Lifetimes).Certificate.Load();

        TrustBundle.FromPem(ca.TrustBundlePem).Validates(leaf, host, errors).Should().Be(accepted);
    }

    [Fact]
    public void The_trust_bundle_refuses_a_certificate_from_another_collections_ca()
    {
        var now = DateTimeOffset.UtcNow;
        var ours = CertificatePlanner.Authority("docs", null, now, Lifetimes).State;
        var theirs = CertificatePlanner.Authority("docs", null, now, Lifetimes).State;
        using var foreign = CertificatePlanner.Leaf(Shard0, theirs, null, null, now, Lifetimes).Certificate.Load();

        TrustBundle.FromPem(ours.TrustBundlePem).Validates(foreign, "docs-shard-0.search.svc", SslPolicyErrors.RemoteCertificateChainErrors).Should().BeFalse();
        TrustBundle.FromPem(ours.TrustBundlePem).Validates(foreign, "10.1.2.3", SslPolicyErrors.RemoteCertificateChainErrors).Should().BeFalse();
    }

    [Fact]
    public void A_bundle_that_is_not_pem_is_refused_with_what_was_expected()
    {
        var parse = () => TrustBundle.FromPem("not a certificate");

        parse.Should().Throw<FormatException>().WithMessage("*no PEM certificate*BEGIN CERTIFICATE*");
    }

    private static X509Certificate2Collection Roots(string pem)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(pem);
        return roots;
    }
}
