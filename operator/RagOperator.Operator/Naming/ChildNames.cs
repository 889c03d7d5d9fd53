using System.Globalization;

namespace RagOperator.Operator.Naming;

/// <summary>Names of the objects the operator creates for a collection; one place so every caller agrees.</summary>
public static class ChildNames
{
    /// <summary>Kubernetes Service names are DNS-1035 labels: at most 63 characters.</summary>
    public const int MaxServiceNameLength = 63;

    /// <summary>
    /// StatefulSet pods carry the label <c>controller-revision-hash=&lt;set&gt;-&lt;10 chars&gt;</c>, and label values are
    /// at most 63 characters, so a StatefulSet name longer than 52 characters can never run a pod.
    /// </summary>
    public const int MaxStatefulSetNameLength = 52;

    public const string RoutingKey = "routing.json";
    public const string BootstrapScriptKey = "start.sh";

    public static string Shard(string collection, int shard) => $"{collection}-shard-{shard.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The client Service of a shard shares the StatefulSet's name (different kinds, one name to remember).</summary>
    public static string ShardService(string collection, int shard) => Shard(collection, shard);

    public static string ShardHeadless(string collection, int shard) => $"{Shard(collection, shard)}-headless";

    public static string ShardPodDisruptionBudget(string collection, int shard) => Shard(collection, shard);

    public static string ShardPod(string collection, int shard, int ordinal) =>
        $"{Shard(collection, shard)}-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    public static string Bootstrap(string collection) => $"{collection}-qdrant-bootstrap";

    public static string Router(string collection) => $"{collection}-router";

    public static string ShardNetworkPolicy(string collection) => $"{collection}-shards";

    public static string RouterNetworkPolicy(string collection) => Router(collection);

    public static string RoutingConfigMap(string collection) => $"{collection}-routing";

    public static string RoutingHistory(string collection, long version) =>
        $"{collection}-routing-v{version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The version of a history ConfigMap name, or null when the name is not one.</summary>
    public static long? HistoryVersion(string collection, string name)
    {
        var prefix = $"{collection}-routing-v";
        return name.StartsWith(prefix, StringComparison.Ordinal)
               && long.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;
    }

    /// <summary>The collection's CA: signing certificate and key, and the bundle of CAs clients trust.</summary>
    public static string CertificateAuthority(string collection) => $"{collection}-ca";

    public static string ShardTls(string collection, int shard) => $"{Shard(collection, shard)}-tls";

    public static string RouterTls(string collection) => $"{Router(collection)}-tls";
}
