using System.Globalization;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The cert-manager Certificate for one of the collection's certificate Secrets (spec.tls.mode CertManager): the same
/// Secret name, common name and DNS names the operator's own CA would issue, the same 90-day life renewed with a third
/// left, and a fresh ECDSA P-256 key on every renewal. The Certificate is named after its Secret.
/// </summary>
public static class CertificateBuilder
{
    public static CertManagerCertificate Build(BuildInput input, CertificateNeed need, CertificateIssuerReference issuer, CertificateLifetimes lifetimes) => new()
    {
        Metadata = Owners.Metadata(input, need.SecretName, Labels.ForCertificates(input.Name)),
        Spec = new CertManagerCertificateSpec
        {
            SecretName = need.SecretName,
            CommonName = need.CommonName,
            DnsNames = [.. need.DnsNames],
            Duration = GoDuration(lifetimes.Leaf),
            RenewBefore = GoDuration(lifetimes.Leaf / 3),
            // Shards are also clients of their peers (peer-to-peer traffic), as the operator's own leaves allow.
            Usages = ["digital signature", "key encipherment", "server auth", "client auth"],
            PrivateKey = new CertManagerPrivateKey { Algorithm = "ECDSA", Size = 256, RotationPolicy = "Always" },
            IssuerRef = new CertManagerIssuerReference { Name = issuer.Name, Kind = issuer.Kind.ToString(), Group = issuer.Group },
        },
    };

    /// <summary>The Certificates of a collection whose spec.tls.mode is CertManager (none otherwise), for its current shard count.</summary>
    public static IReadOnlyList<CertManagerCertificate> All(BuildInput input, CertificateLifetimes lifetimes) =>
        input.Spec.Tls is { Mode: TlsMode.CertManager, IssuerRef: { } issuer }
            ? [.. CertificateNeeds.All(input.Namespace, input.Name, input.Spec.Shards).Select(n => Build(input, n.Need, issuer, lifetimes))]
            : [];

    /// <summary>A Go duration: whole hours, or whole minutes for a span that is not (cert-manager's minimum is an hour anyway).</summary>
    private static string GoDuration(TimeSpan span) => span.Ticks % TimeSpan.TicksPerHour == 0
        ? ((long)span.TotalHours).ToString(CultureInfo.InvariantCulture) + "h"
        : ((long)Math.Ceiling(span.TotalMinutes)).ToString(CultureInfo.InvariantCulture) + "m";
}
