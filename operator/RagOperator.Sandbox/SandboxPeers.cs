using System.Globalization;
using RagOperator.InProcess.Qdrant;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Sandbox;

/// <summary>
/// Makes a shard's pods the Qdrant peers of the shard's cluster (the <see cref="InProcessQdrantServer.Cluster"/> of the
/// shard's one in-process server), as Qdrant's cluster mode has it:
/// <list type="bullet">
/// <item>A pod that is Ready for the first time joins as a peer announcing
/// <c>http://&lt;pod&gt;.&lt;headless service&gt;.&lt;namespace&gt;.svc:6335/</c> (what the bootstrap script passes to
/// <c>--uri</c>); pod 0 is the peer that started the cluster, the server's own peer.</item>
/// <item>A pod that is deleted, not Ready or crash-looping leaves its peer down (its replicas Dead); the pod that
/// replaces it has the same volume and therefore the same peer id, which comes back up and recovers its replicas.</item>
/// <item>A peer removed from the cluster (<c>DELETE /cluster/peer/{id}</c>) is forgotten and the pod that ran it stays
/// out; a later pod of that ordinal joins as a new peer, as a pod with a fresh volume would (the operator deletes the
/// removed peer's volume before the shard grows again).</item>
/// </list>
/// </summary>
internal sealed class SandboxPeers
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Dictionary<int, Member>> peersBySet = new(StringComparer.Ordinal);

    /// <summary>Pods (by uid) whose peer was removed from the cluster: they do not rejoin; a new pod of the ordinal does.</summary>
    private readonly HashSet<string> removedPods = new(StringComparer.Ordinal);

    private sealed record Member(ulong Peer, string? PodUid);

    /// <summary>Brings the cluster of <paramref name="server"/> in line with the pods of the StatefulSet <paramref name="setName"/>.</summary>
    public void Sync(string setKey, string @namespace, string setName, InProcessQdrantServer server, IEnumerable<Pod> pods)
    {
        var cluster = server.Cluster;
        var byOrdinal = new Dictionary<int, Pod>();
        foreach (var pod in pods)
        {
            if (Ordinal(setName, pod.Metadata.Name) is { } ordinal && pod.Metadata.DeletionTimestamp is null) byOrdinal[ordinal] = pod;
        }

        lock (gate)
        {
            if (!peersBySet.TryGetValue(setKey, out var peers)) peersBySet[setKey] = peers = [];
            foreach (var (ordinal, member) in peers.ToList())
            {
                if (cluster.HasPeer(member.Peer)) continue;
                if (member.PodUid is not null) removedPods.Add(member.PodUid);
                peers.Remove(ordinal);
            }

            foreach (var (ordinal, pod) in byOrdinal.Where(p => IsReady(p.Value)))
            {
                var uid = pod.Metadata.Uid;
                if (peers.TryGetValue(ordinal, out var member))
                {
                    // The same volume, so the same peer, whichever pod runs it now.
                    peers[ordinal] = member with { PodUid = uid };
                    cluster.SetPeerDown(member.Peer, false);
                }
                else if (uid is not null && removedPods.Contains(uid))
                {
                    // Its peer was removed while it ran; it stays out until a new pod with a fresh volume replaces it.
                }
                else if (ordinal == 0 && !peers.Values.Any(m => m.Peer == cluster.LocalPeerId) && cluster.HasPeer(cluster.LocalPeerId))
                {
                    cluster.SetPeerUri(cluster.LocalPeerId, PeerUri(pod, @namespace));
                    cluster.SetPeerDown(cluster.LocalPeerId, false);
                    peers[0] = new Member(cluster.LocalPeerId, uid);
                }
                else
                {
                    peers[ordinal] = new Member(cluster.AddPeer(PeerUri(pod, @namespace)), uid);
                }
            }

            foreach (var (ordinal, member) in peers)
            {
                if (!byOrdinal.TryGetValue(ordinal, out var pod) || !IsReady(pod)) cluster.SetPeerDown(member.Peer, true);
            }
        }
    }

    public void Forget(string setKey)
    {
        lock (gate) peersBySet.Remove(setKey);
    }

    private static bool IsReady(Pod pod) =>
        pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static string PeerUri(Pod pod, string @namespace)
    {
        var subdomain = pod.Spec.Subdomain ?? "";
        return $"http://{pod.Metadata.Name}.{subdomain}.{@namespace}.svc:{Ports.QdrantP2p.ToString(CultureInfo.InvariantCulture)}/";
    }

    private static int? Ordinal(string setName, string? podName) =>
        podName is not null && podName.StartsWith(setName + "-", StringComparison.Ordinal)
        && int.TryParse(podName.AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : null;
}
