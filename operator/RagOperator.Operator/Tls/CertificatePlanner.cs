using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RagOperator.Operator.Tls;

/// <summary>Lifetimes of the operator's certificates.</summary>
public sealed record CertificateLifetimes(TimeSpan Authority, TimeSpan Leaf, TimeSpan TrustPropagation)
{
    /// <summary>
    /// A CA for a year and leaves for 90 days, each renewed when a third of its life is left. Leaves move to a new CA
    /// only ten minutes after its bundle was published, the time the kubelet needs to refresh a mounted Secret in
    /// every pod, so no client meets a certificate from a CA it does not trust yet.
    /// </summary>
    public static CertificateLifetimes Default { get; } = new(TimeSpan.FromDays(365), TimeSpan.FromDays(90), TimeSpan.FromMinutes(10));

    public static DateTimeOffset RenewAt(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return notBefore + (notAfter - notBefore) * 2 / 3;
    }
}

/// <summary>The collection's CA as stored: the signing certificate and key, and the bundle clients trust.</summary>
public sealed record AuthorityState(IssuedCertificate Current, string TrustBundlePem, DateTimeOffset Since);

/// <summary>What the CA Secret needs: nothing, or a new state for the given reason.</summary>
public sealed record AuthorityDecision(AuthorityState State, string? Reason)
{
    public bool Changed => Reason is not null;
}

/// <summary>A leaf certificate the collection needs: the Secret that holds it and the names it must carry.</summary>
public sealed record CertificateNeed(string SecretName, string CommonName, IReadOnlyList<string> DnsNames);

/// <summary>What a leaf Secret needs: nothing, a new certificate, or only the current trust bundle.</summary>
public sealed record LeafDecision(IssuedCertificate Certificate, string TrustBundlePem, string? Reason)
{
    public bool Changed => Reason is not null;
}

/// <summary>
/// Decides, from what the Secrets hold and the time, which certificates to create or renew. Pure; the reconcile step
/// reads and writes the Secrets. Renewal is early (a third of the lifetime left), so a failing operator has weeks
/// to recover before anything expires; a renewed CA joins the trust bundle before any leaf is signed by it.
/// </summary>
public static class CertificatePlanner
{
    public static AuthorityDecision Authority(string commonName, AuthorityState? stored, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        if (stored is null) return Fresh(commonName, [], now, lifetimes, "created");
        X509Certificate2 current;
        try
        {
            current = stored.Current.Load();
        }
        catch (CryptographicException e)
        {
            return Fresh(commonName, [], now, lifetimes, $"the stored CA could not be read ({e.Message}); replaced");
        }

        using (current)
        {
            var bundle = StillValid(stored.TrustBundlePem, now);
            if (CertificateLifetimes.RenewAt(current) <= now)
            {
                return Fresh(commonName, bundle, now, lifetimes,
                    $"renewed: the CA expires {current.NotAfter.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)}");
            }

            var pem = Pem(bundle.Prepend(current).DistinctBy(c => c.Thumbprint));
            return pem == stored.TrustBundlePem
                ? new AuthorityDecision(stored, null)
                : new AuthorityDecision(stored with { TrustBundlePem = pem }, "expired CAs left the trust bundle");
        }
    }

    public static LeafDecision Leaf(CertificateNeed need, AuthorityState authority, IssuedCertificate? stored, string? storedBundle, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        var reason = stored is null ? "created" : Stale(need, authority, stored, now, lifetimes);
        if (reason is not null)
        {
            var issued = CertificateIssuer.IssueLeaf(authority.Current, need.CommonName, need.DnsNames, now, lifetimes.Leaf);
            return new LeafDecision(issued, authority.TrustBundlePem, reason);
        }

        return storedBundle == authority.TrustBundlePem
            ? new LeafDecision(stored!, authority.TrustBundlePem, null)
            : new LeafDecision(stored!, authority.TrustBundlePem, "the CA trust bundle changed");
    }

    private static string? Stale(CertificateNeed need, AuthorityState authority, IssuedCertificate stored, DateTimeOffset now, CertificateLifetimes lifetimes)
    {
        X509Certificate2 leaf;
        try
        {
            leaf = stored.Load();
        }
        catch (CryptographicException e)
        {
            return $"the stored certificate could not be read ({e.Message})";
        }

        using (leaf)
        using (var ca = X509Certificate2.CreateFromPem(authority.Current.CertificatePem))
        {
            if (CertificateLifetimes.RenewAt(leaf) <= now)
                return $"renewed: it expires {leaf.NotAfter.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture)}";
            var names = CertificateIssuer.DnsNames(leaf);
            if (!names.Order(StringComparer.Ordinal).SequenceEqual(need.DnsNames.Order(StringComparer.Ordinal), StringComparer.Ordinal))
                return "its DNS names changed";
            if (leaf.Issuer != ca.Subject || !SignedBy(leaf, ca))
            {
                // Signed by an older CA: move to the current one once every client trusts it, unless that CA is gone.
                if (!InBundle(leaf, authority.TrustBundlePem)) return "its CA is no longer trusted";
                if (now - authority.Since >= lifetimes.TrustPropagation) return "the CA was renewed";
            }
        }

        return null;
    }

    private static AuthorityDecision Fresh(string commonName, IEnumerable<X509Certificate2> keep, DateTimeOffset now, CertificateLifetimes lifetimes, string reason)
    {
        var ca = CertificateIssuer.CreateAuthority(commonName, now, lifetimes.Authority);
        using var certificate = X509Certificate2.CreateFromPem(ca.CertificatePem);
        return new AuthorityDecision(new AuthorityState(ca, Pem(keep.Prepend(certificate)), now), reason);
    }

    private static List<X509Certificate2> StillValid(string bundlePem, DateTimeOffset now)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(bundlePem);
        }
        catch (CryptographicException)
        {
            return [];
        }

        return [.. all.Where(c => c.NotAfter.ToUniversalTime() > now.UtcDateTime)];
    }

    private static bool InBundle(X509Certificate2 leaf, string bundlePem)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPem(bundlePem);
        return all.Any(ca => SignedBy(leaf, ca));
    }

    private static bool SignedBy(X509Certificate2 leaf, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(leaf);
    }

    private static string Pem(IEnumerable<X509Certificate2> certificates) =>
        string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));
}
