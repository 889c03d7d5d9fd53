using System.Globalization;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// The one Qdrant peer of a shard that snapshot requests go to. Qdrant keeps a snapshot on the node that took it,
/// so create, download and delete must reach the same pod, not whichever one the shard's Service picks.
/// </summary>
public interface ISnapshotPeerResolver
{
    /// <param name="tls">Whether the shards serve TLS (spec.tls), which makes the endpoint https.</param>
    Uri Resolve(string @namespace, string collection, int shard, bool tls);
}

/// <summary>
/// In a cluster: pod 0 of the shard's StatefulSet through the headless Service,
/// <c>https://&lt;collection&gt;-shard-&lt;i&gt;-0.&lt;collection&gt;-shard-&lt;i&gt;-headless.&lt;namespace&gt;.svc:6333</c> (http without TLS).
/// Every pod of a shard holds a full replica (the Qdrant collection has one shard, replicated on every pod), so pod
/// 0's snapshot is the whole shard.
/// </summary>
public sealed class PodZeroSnapshotPeerResolver : ISnapshotPeerResolver
{
    public Uri Resolve(string @namespace, string collection, int shard, bool tls) =>
        new($"{(tls ? "https" : "http")}://{ChildNames.ShardPod(collection, shard, 0)}.{ChildNames.ShardHeadless(collection, shard)}.{@namespace}.svc:{Ports.QdrantHttp.ToString(CultureInfo.InvariantCulture)}");
}

/// <summary>Resolves through a delegate (the sandbox, where one server stands for every pod of a shard).</summary>
public sealed class DelegateSnapshotPeerResolver(Func<string, string, int, bool, Uri> resolve) : ISnapshotPeerResolver
{
    public Uri Resolve(string @namespace, string collection, int shard, bool tls) => resolve(@namespace, collection, shard, tls);
}
