using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace RagOperator.Qdrant.Tls;

/// <summary>
/// The certificate authorities a client trusts for one collection's servers (shards and routers), and the check a
/// TLS handshake runs against them. The operator gives every collection its own CA, so a chain that ends at one of
/// these roots proves the server belongs to the collection. The name is checked as usual when the client connects by
/// DNS name; a connection by IP address (the operator asking each router pod for its routing version, or loopback in
/// the sandbox) has no name to check, and the collection's own root is what identifies the server then.
/// </summary>
public sealed class TrustBundle
{
    private TrustBundle(X509Certificate2Collection roots, string pem)
    {
        Roots = roots;
        Pem = pem;
    }

    public X509Certificate2Collection Roots { get; }

    /// <summary>The roots as PEM, as stored in a Secret's <c>ca.crt</c>.</summary>
    public string Pem { get; }

    /// <summary>A stable key for caching one connection pool per bundle: the roots' thumbprints.</summary>
    public string Key => string.Join(",", Roots.Select(r => r.Thumbprint).Order(StringComparer.Ordinal));

    /// <summary>Parses one or more PEM certificates; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static TrustBundle FromPem(string pem)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new FormatException($"the CA bundle is not valid PEM: {e.Message}", e);
        }

        if (roots.Count == 0) throw new FormatException("the CA bundle holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        return new TrustBundle(roots, pem);
    }

    /// <summary>
    /// True when <paramref name="certificate"/> chains to one of the roots (no system roots) and, for a DNS host,
    /// names <paramref name="host"/>.
    /// </summary>
    public bool Validates(X509Certificate? certificate, string host, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return false;
        var byName = !IPAddress.TryParse(host.Trim('[', ']'), out _);
        if (byName && errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        using var leaf = new X509Certificate2(certificate);
        return Chains(leaf);
    }

    /// <summary>True when <paramref name="leaf"/> chains to one of the roots (no system roots) for server use, at <paramref name="at"/> (default: now).</summary>
    public bool Chains(X509Certificate2 leaf, DateTimeOffset? at = null)
    {
        using var chain = new X509Chain();
        if (at is { } time) chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Roots);
        // The operator's CA publishes no revocation list; renewal and short lifetimes stand in for revocation.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        return chain.Build(leaf);
    }

    /// <summary>A handler whose connections accept only servers this bundle validates.</summary>
    public SocketsHttpHandler CreateHandler(TimeSpan pooledConnectionLifetime) => new()
    {
        PooledConnectionLifetime = pooledConnectionLifetime,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (sender, certificate, _, errors) =>
                Validates(certificate, (sender as SslStream)?.TargetHostName ?? string.Empty, errors),
        },
    };
}
