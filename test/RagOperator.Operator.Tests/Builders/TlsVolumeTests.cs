using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

/// <summary>Which Secret the shard and router pods mount as their TLS volume, by spec.tls.mode.</summary>
public sealed class TlsVolumeTests
{
    private static VectorCollection Collection(TlsMode mode) => Fixtures.Collection(configure: spec =>
    {
        spec.Shards = 3;
        spec.Tls.Mode = mode;
        if (mode == TlsMode.CertManager) spec.Tls.IssuerRef = new CertificateIssuerReference { Name = "internal-ca" };
        if (mode == TlsMode.Secret) spec.Tls.Secrets = new TlsSecrets { Shards = "corp-shards", Router = "corp-router" };
    });

    private static Volume? TlsVolume(PodSpec pod, string name) => pod.Volumes!.SingleOrDefault(v => v.Name == name);

    [Theory]
    [InlineData(TlsMode.Operator, 0, "docs-shard-0-tls")]
    [InlineData(TlsMode.Operator, 2, "docs-shard-2-tls")]
    [InlineData(TlsMode.CertManager, 0, "docs-shard-0-tls")]
    [InlineData(TlsMode.CertManager, 2, "docs-shard-2-tls")]
    [InlineData(TlsMode.Secret, 0, "corp-shards")]
    [InlineData(TlsMode.Secret, 2, "corp-shards")]
    public void Shard_pods_mount_the_secret_of_their_mode(TlsMode mode, int shard, string secret)
    {
        var pod = StatefulSetBuilder.Build(Fixtures.Input(Collection(mode)), shard).Spec.Template.Spec;

        TlsVolume(pod, StatefulSetBuilder.TlsVolume)!.Secret!.SecretName.Should().Be(secret);
        pod.Containers[0].VolumeMounts.Should().ContainSingle(m => m.Name == StatefulSetBuilder.TlsVolume)
            .Which.Should().BeEquivalentTo(new VolumeMount { Name = "tls", MountPath = "/qdrant/tls", ReadOnly = true });
    }

    [Theory]
    [InlineData(TlsMode.Operator, "docs-router-tls")]
    [InlineData(TlsMode.CertManager, "docs-router-tls")]
    [InlineData(TlsMode.Secret, "corp-router")]
    public void Router_pods_mount_the_secret_of_their_mode(TlsMode mode, string secret)
    {
        var pod = RouterDeploymentBuilder.Build(Fixtures.Input(Collection(mode))).Spec.Template.Spec;

        TlsVolume(pod, RouterDeploymentBuilder.TlsVolume)!.Secret!.SecretName.Should().Be(secret);
        pod.Containers[0].VolumeMounts.Should().ContainSingle(m => m.Name == RouterDeploymentBuilder.TlsVolume)
            .Which.Should().BeEquivalentTo(new VolumeMount { Name = "tls", MountPath = "/etc/rag-router/tls", ReadOnly = true });
        pod.Containers[0].Env.Should().Contain(e => e.Name == RouterDeploymentBuilder.Env.TlsCertificateFile && e.Value == "/etc/rag-router/tls/tls.crt");
    }

    [Fact]
    public void With_tls_disabled_no_pod_mounts_a_certificate()
    {
        var input = Fixtures.Input(Collection(TlsMode.Disabled));
        var shard = StatefulSetBuilder.Build(input, 1).Spec.Template.Spec;
        var router = RouterDeploymentBuilder.Build(input).Spec.Template.Spec;

        TlsVolume(shard, StatefulSetBuilder.TlsVolume).Should().BeNull();
        TlsVolume(router, RouterDeploymentBuilder.TlsVolume).Should().BeNull();
        shard.Volumes.Should().NotContain(v => v.Secret != null);
        router.Volumes.Should().NotContain(v => v.Secret != null);
        shard.Containers[0].VolumeMounts.Should().NotContain(m => m.Name == StatefulSetBuilder.TlsVolume);
        router.Containers[0].VolumeMounts.Should().NotContain(m => m.Name == RouterDeploymentBuilder.TlsVolume);
    }
}
