using System.Text;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Tls;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The Secrets that hold the collection's certificates, and the reverse: reading what a stored Secret holds. Leaf
/// Secrets are <c>kubernetes.io/tls</c> with the trust bundle as <c>ca.crt</c>, the layout cert-manager uses, so a pod
/// mounts one Secret for its own identity and for whom to trust. The CA Secret keeps the signing key
/// (<c>tls.crt</c>/<c>tls.key</c>), the bundle, and since when the current CA signs.
/// </summary>
public static class TlsSecretBuilder
{
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";
    public const string TrustBundleKey = "ca.crt";
    public const string TlsType = "kubernetes.io/tls";
    public const string SinceAnnotation = "ragoperator.io/ca-since";

    public static Secret Authority(BuildInput input, AuthorityState state) => new()
    {
        Metadata = Owners.Metadata(input, ChildNames.CertificateAuthority(input.Name), Labels.ForCertificates(input.Name),
            new Dictionary<string, string>(StringComparer.Ordinal) { [SinceAnnotation] = state.Since.ToString("O") }),
        Type = "Opaque",
        Data = Data(state.Current, state.TrustBundlePem),
    };

    public static Secret Leaf(BuildInput input, string name, LeafDecision decision) => new()
    {
        Metadata = Owners.Metadata(input, name, Labels.ForCertificates(input.Name)),
        Type = TlsType,
        Data = Data(decision.Certificate, decision.TrustBundlePem),
    };

    public static AuthorityState? ReadAuthority(Secret? secret) =>
        Read(secret) is ({ } certificate, { } bundle)
        && secret!.Metadata.Annotations?.TryGetValue(SinceAnnotation, out var since) == true
        && DateTimeOffset.TryParse(since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at)
            ? new AuthorityState(certificate, bundle, at)
            : null;

    public static (IssuedCertificate? Certificate, string? TrustBundle) Read(Secret? secret)
    {
        if (secret?.Data is not { } data) return (null, null);
        var certificate = data.TryGetValue(CertificateKey, out var crt) && data.TryGetValue(PrivateKeyKey, out var key)
            ? new IssuedCertificate(Encoding.UTF8.GetString(crt), Encoding.UTF8.GetString(key))
            : null;
        return (certificate, data.TryGetValue(TrustBundleKey, out var bundle) ? Encoding.UTF8.GetString(bundle) : null);
    }

    private static Dictionary<string, byte[]> Data(IssuedCertificate certificate, string bundle) => new(StringComparer.Ordinal)
    {
        [CertificateKey] = Encoding.UTF8.GetBytes(certificate.CertificatePem),
        [PrivateKeyKey] = Encoding.UTF8.GetBytes(certificate.PrivateKeyPem),
        [TrustBundleKey] = Encoding.UTF8.GetBytes(bundle),
    };
}
