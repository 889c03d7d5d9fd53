using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Tls;

/// <summary>What a certificate the operator did not issue (cert-manager's, or the user's own) was found to be.</summary>
/// <param name="Problems">Each thing that stops pods from serving it to clients that verify it; empty when usable.</param>
public sealed record ServedCertificate(IReadOnlyList<string> Problems, DateTimeOffset? NotAfter, DateTimeOffset? RenewAt, string? TrustBundlePem)
{
    public bool Usable => Problems.Count == 0;
}

/// <summary>
/// Checks a certificate Secret the operator did not write, before pods are pointed at it: the keys a pod reads
/// (<c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) are there and parse, the key belongs to the certificate, it is valid
/// now, it chains to a CA in <c>ca.crt</c> for server use, and it names every host clients dial. Each problem is said
/// with what to change, so a broken Secret is reported instead of failing handshakes later.
/// </summary>
public static class ServedCertificateCheck
{
    /// <summary>The host names clients dial on a shard: its client Service and a pod's peer name under the headless Service.</summary>
    public static IReadOnlyList<string> ShardHosts(string @namespace, string collection, int shard) =>
    [
        $"{ChildNames.ShardService(collection, shard)}.{@namespace}.svc",
        $"{ChildNames.Shard(collection, shard)}-0.{ChildNames.ShardHeadless(collection, shard)}.{@namespace}.svc",
    ];

    /// <summary>The host name clients dial on the routers: the router Service.</summary>
    public static IReadOnlyList<string> RouterHosts(string @namespace, string collection) => [$"{ChildNames.Router(collection)}.{@namespace}.svc"];

    public static ServedCertificate Check(string secretName, IReadOnlyDictionary<string, byte[]>? data, IReadOnlyList<string> hosts, DateTimeOffset now)
    {
        if (data is null) return Fail($"Secret {secretName} does not exist");
        var missing = new[] { TlsSecretBuilder.CertificateKey, TlsSecretBuilder.PrivateKeyKey, TlsSecretBuilder.TrustBundleKey }.Where(key => !data.ContainsKey(key)).ToList();
        if (missing.Count > 0) return Fail($"Secret {secretName} has no {string.Join(", ", missing)} (a kubernetes.io/tls Secret with the CA bundle as ca.crt is expected)");

        string Text(string key) => System.Text.Encoding.UTF8.GetString(data[key]);
        TrustBundle trust;
        try
        {
            trust = TrustBundle.FromPem(Text(TlsSecretBuilder.TrustBundleKey));
        }
        catch (FormatException e)
        {
            return Fail($"ca.crt of Secret {secretName}: {e.Message}");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(Text(TlsSecretBuilder.CertificateKey), Text(TlsSecretBuilder.PrivateKeyKey));
        }
        catch (CryptographicException e)
        {
            return Fail($"tls.crt and tls.key of Secret {secretName} are not a PEM certificate and its private key: {e.Message}");
        }
        catch (ArgumentException)
        {
            return Fail($"tls.key of Secret {secretName} is not the private key of the certificate in tls.crt; put the certificate's own key in tls.key");
        }

        using (certificate)
        {
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            var problems = new List<string>();
            if (now < notBefore) problems.Add($"the certificate in Secret {secretName} is not valid before {notBefore:u}");
            if (now >= notAfter) problems.Add($"the certificate in Secret {secretName} expired on {notAfter:u}; renew it");
            // Checked at now, and only while the certificate is valid: outside that the chain fails for the time alone,
            // which the problem above already says.
            if (now >= notBefore && now < notAfter && !trust.Chains(certificate, now))
                problems.Add($"the certificate in Secret {secretName} does not chain to a CA in its ca.crt for server use (serverAuth); put the issuing CA in ca.crt");
            var names = CertificateIssuer.DnsNames(certificate);
            var unnamed = hosts.Where(host => !names.Any(name => Covers(name, host))).ToList();
            if (unnamed.Count > 0)
                problems.Add($"the certificate in Secret {secretName} does not name {string.Join(", ", unnamed)}; add them (or a wildcard such as *.{unnamed[0][(unnamed[0].IndexOf('.', StringComparison.Ordinal) + 1)..]}) as DNS names");
            return new ServedCertificate(problems, notAfter, CertificateLifetimes.RenewAt(certificate), Text(TlsSecretBuilder.TrustBundleKey));
        }

        static ServedCertificate Fail(string problem) => new([problem], null, null, null);
    }

    /// <summary>Whether the certificate in a Secret's <c>tls.crt</c> chains to a CA of <paramref name="trustBundlePem"/>.</summary>
    public static bool Trusts(string trustBundlePem, IDictionary<string, byte[]> secretData, DateTimeOffset? at = null)
    {
        using var certificate = X509Certificate2.CreateFromPem(System.Text.Encoding.UTF8.GetString(secretData[TlsSecretBuilder.CertificateKey]));
        return TrustBundle.FromPem(trustBundlePem).Chains(certificate, at);
    }

    /// <summary>Whether a DNS name of a certificate matches a host: equal, or a wildcard standing for exactly the first label.</summary>
    public static bool Covers(string name, string host)
    {
        if (string.Equals(name, host, StringComparison.OrdinalIgnoreCase)) return true;
        if (!name.StartsWith("*.", StringComparison.Ordinal)) return false;
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(name[2..], host[(dot + 1)..], StringComparison.OrdinalIgnoreCase);
    }
}
