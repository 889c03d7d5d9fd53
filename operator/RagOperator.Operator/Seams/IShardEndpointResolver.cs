using System.Globalization;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Seams;

/// <summary>
/// Where a shard's Qdrant REST API is reached. The routing table publishes these endpoints, and the operator's
/// own Qdrant calls use them, so both always agree.
/// </summary>
public interface IShardEndpointResolver
{
    /// <param name="tls">Whether the shards serve TLS (spec.tls), which makes the endpoint https.</param>
    Uri Resolve(string @namespace, string collection, int shard, bool tls);
}

/// <summary>In a cluster: the shard's client Service, <c>https://&lt;collection&gt;-shard-&lt;i&gt;.&lt;namespace&gt;.svc:6333</c> (http without TLS).</summary>
public sealed class DefaultShardEndpointResolver : IShardEndpointResolver
{
    public Uri Resolve(string @namespace, string collection, int shard, bool tls) =>
        new($"{(tls ? "https" : "http")}://{ChildNames.ShardService(collection, shard)}.{@namespace}.svc:{Ports.QdrantHttp.ToString(CultureInfo.InvariantCulture)}");
}

public static class ShardEndpointResolverExtensions
{
    /// <summary>The endpoint as the routing table spells it (no trailing slash).</summary>
    public static string Endpoint(this IShardEndpointResolver resolver, string @namespace, string collection, int shard, bool tls) =>
        resolver.Resolve(@namespace, collection, shard, tls).AbsoluteUri.TrimEnd('/');
}
