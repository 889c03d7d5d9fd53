using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Tls;

/// <summary>
/// Which Secret holds each certificate, by spec.tls.mode: the operator's own names (Operator, and CertManager, whose
/// Certificates write to those names), or the user's Secrets (Secret: one for every shard, one for the routers).
/// Pod volumes, the TLS step and every client that verifies shards read the names from here.
/// </summary>
public static class CertificateSecrets
{
    public static string Shard(string collection, TlsSpec tls, int shard) =>
        tls.Mode == TlsMode.Secret ? UserSecrets(tls).Shards : ChildNames.ShardTls(collection, shard);

    public static string Router(string collection, TlsSpec tls) =>
        tls.Mode == TlsMode.Secret ? UserSecrets(tls).Router : ChildNames.RouterTls(collection);

    /// <summary>
    /// The Secret whose <c>ca.crt</c> shards are verified against: the CA Secret the operator keeps, or the first
    /// shard's Secret (cert-manager writes the issuer's CA there), or the user's shard Secret. Null when TLS is off.
    /// </summary>
    public static string? Trust(string collection, TlsSpec tls) => tls.Mode switch
    {
        TlsMode.Operator => ChildNames.CertificateAuthority(collection),
        TlsMode.CertManager => ChildNames.ShardTls(collection, 0),
        TlsMode.Secret => UserSecrets(tls).Shards,
        _ => null,
    };

    private static TlsSecrets UserSecrets(TlsSpec tls) =>
        tls.Secrets ?? throw new InvalidOperationException("spec.tls.mode is Secret but spec.tls.secrets is not set (the CRD requires it)");
}
