using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Naming;
using RagOperator.Qdrant.Tls;

namespace RagOperator.Operator.Tls;

/// <summary>
/// The CAs a collection's shards and routers are verified against, for work outside the reconcile chain (deletion,
/// snapshots and restores): the ca.crt of the Secret <see cref="CertificateSecrets.Trust"/> names. Null when spec.tls.mode is Disabled, or when
/// the Secret does not exist yet (then no shard serves a certificate from it either, and an https call fails its
/// handshake with the system roots, which is the right answer).
/// </summary>
public static class CollectionTrust
{
    public static async Task<TrustBundle?> ReadAsync(IKubernetesClient client, VectorCollection collection, CancellationToken cancellationToken)
    {
        if (CertificateSecrets.Trust(collection.Metadata.Name!, collection.Spec.Tls) is not { } name) return null;
        var secret = await client.TryGetAsync<Secret>(name, collection.Metadata.Namespace, cancellationToken);
        return TlsSecretBuilder.Read(secret).TrustBundle is { } pem ? TrustBundle.FromPem(pem) : null;
    }
}
