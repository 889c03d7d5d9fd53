using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Tls;

/// <summary>
/// The leaf certificates a collection needs and the DNS names each must carry: every way a client in the cluster can
/// spell the shard's client Service and its pods' peer names (short, namespaced, <c>.svc</c> and fully qualified), and
/// the router Service likewise.
/// </summary>
public static class CertificateNeeds
{
    public const string ClusterDomain = "cluster.local";

    public static CertificateNeed Shard(string @namespace, string collection, int shard)
    {
        var service = ChildNames.ShardService(collection, shard);
        var headless = ChildNames.ShardHeadless(collection, shard);
        return new CertificateNeed(ChildNames.ShardTls(collection, shard), service,
            [.. ServiceNames(@namespace, service), .. ServiceNames(@namespace, headless).Skip(2), .. ServiceNames(@namespace, headless).Skip(2).Select(name => $"*.{name}")]);
    }

    /// <summary>Every leaf certificate of a collection with <paramref name="shards"/> shards, with its role (Shard or Router).</summary>
    public static IReadOnlyList<(CertificateNeed Need, string Role)> All(string @namespace, string collection, int shards) =>
    [
        .. Enumerable.Range(0, shards).Select(shard => (Shard(@namespace, collection, shard), "Shard")),
        (Router(@namespace, collection), "Router"),
    ];

    public static CertificateNeed Router(string @namespace, string collection)
    {
        var service = ChildNames.Router(collection);
        return new CertificateNeed(ChildNames.RouterTls(collection), service, ServiceNames(@namespace, service));
    }

    private static string[] ServiceNames(string @namespace, string service) =>
        [service, $"{service}.{@namespace}", $"{service}.{@namespace}.svc", $"{service}.{@namespace}.svc.{ClusterDomain}"];
}
