using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Tls;
using Xunit;

namespace RagOperator.Operator.Tests.Tls;

public sealed class CertificateSecretsTests
{
    private static TlsSpec Tls(TlsMode mode) => new()
    {
        Mode = mode,
        Secrets = mode == TlsMode.Secret ? new TlsSecrets { Shards = "corp-shards", Router = "corp-router" } : null,
    };

    [Theory]
    [InlineData(TlsMode.Operator, "docs-shard-0-tls", "docs-shard-2-tls", "docs-router-tls", "docs-ca")]
    [InlineData(TlsMode.CertManager, "docs-shard-0-tls", "docs-shard-2-tls", "docs-router-tls", "docs-shard-0-tls")]
    [InlineData(TlsMode.Secret, "corp-shards", "corp-shards", "corp-router", "corp-shards")]
    [InlineData(TlsMode.Disabled, "docs-shard-0-tls", "docs-shard-2-tls", "docs-router-tls", null)]
    public void Each_mode_names_the_secrets_pods_mount_and_clients_trust(TlsMode mode, string shard0, string shard2, string router, string? trust)
    {
        var tls = Tls(mode);

        CertificateSecrets.Shard("docs", tls, 0).Should().Be(shard0);
        CertificateSecrets.Shard("docs", tls, 2).Should().Be(shard2);
        CertificateSecrets.Router("docs", tls).Should().Be(router);
        CertificateSecrets.Trust("docs", tls).Should().Be(trust);
    }

    [Fact]
    public void Mode_secret_without_secrets_is_refused_with_what_is_missing()
    {
        var tls = new TlsSpec { Mode = TlsMode.Secret };

        var shard = () => CertificateSecrets.Shard("docs", tls, 0);
        var router = () => CertificateSecrets.Router("docs", tls);

        shard.Should().Throw<InvalidOperationException>().WithMessage("*spec.tls.secrets is not set*");
        router.Should().Throw<InvalidOperationException>().WithMessage("*spec.tls.secrets is not set*");
    }
}
