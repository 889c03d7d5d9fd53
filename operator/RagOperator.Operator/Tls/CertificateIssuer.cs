using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RagOperator.Operator.Tls;

/// <summary>A certificate and its private key, both PEM, with the facts the renewal policy reads.</summary>
public sealed record IssuedCertificate(string CertificatePem, string PrivateKeyPem)
{
    public X509Certificate2 Load() => X509Certificate2.CreateFromPem(CertificatePem, PrivateKeyPem);
}

/// <summary>
/// Creates the per-collection CA and the leaf certificates it signs, with ECDSA P-256 keys. Pure: the time comes in
/// as an argument, and nothing is read or written. Leaves carry both server and client authentication, since Qdrant
/// peers use one certificate for either end of a peer-to-peer connection.
/// </summary>
public static class CertificateIssuer
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    // A few minutes of backdating absorb clock skew between the operator and the nodes that check the certificate.
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    public static IssuedCertificate CreateAuthority(string commonName, DateTimeOffset now, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}, O=RagOperator"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var certificate = request.CreateSelfSigned(now - Backdate, now + lifetime);
        return new IssuedCertificate(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public static IssuedCertificate IssueLeaf(IssuedCertificate authority, string commonName, IReadOnlyList<string> dnsNames, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentOutOfRangeException.ThrowIfZero(dnsNames.Count);
        using var issuer = authority.Load();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}, O=RagOperator"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuth), new Oid(ClientAuth)], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames) names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build(critical: false));
        // A leaf never outlives its issuer: a chain with an expired CA fails even if the leaf is still valid.
        var notAfter = now + lifetime < issuer.NotAfter ? now + lifetime : new DateTimeOffset(issuer.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var certificate = request.Create(issuer, now - Backdate, notAfter, serial);
        return new IssuedCertificate(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The DNS names in a certificate's subject alternative name extension.</summary>
    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())];
}
