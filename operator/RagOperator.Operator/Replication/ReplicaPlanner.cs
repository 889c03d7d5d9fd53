using System.Globalization;
using RagOperator.Qdrant.Models;

namespace RagOperator.Operator.Replication;

/// <summary>A peer of a shard's Qdrant cluster; <see cref="Ordinal"/> is its pod's ordinal, null when its URI names no pod of the shard.</summary>
public sealed record ClusterPeer(ulong Id, int? Ordinal);

/// <summary>
/// What the operator knows about one shard's replicas: the desired count, the StatefulSet's current size, which pods
/// are Ready, the Qdrant peers (mapped to pods), the replica state of the shard's data on each peer, and the
/// transfers in progress.
/// </summary>
public sealed record ReplicaView(
    int DesiredReplicas,
    int StatefulSetReplicas,
    IReadOnlySet<int> ReadyOrdinals,
    IReadOnlyList<ClusterPeer> Peers,
    IReadOnlyDictionary<ulong, ReplicaState> Replicas,
    int TransfersInProgress)
{
    public ClusterPeer? PeerOf(int ordinal) => Peers.FirstOrDefault(p => p.Ordinal == ordinal);

    public int ActiveReplicas => Replicas.Count(r => r.Value == ReplicaState.Active);
}

/// <summary>The next thing to do about a shard's replicas (one at a time).</summary>
public abstract record ReplicaAction
{
    /// <summary>Copy the shard's data to the new peer (<c>replicate_shard</c>); it becomes Active when the transfer ends.</summary>
    public sealed record Replicate(ulong FromPeer, ulong ToPeer, int ToOrdinal) : ReplicaAction;

    /// <summary>Drop the replica on a peer that will go (<c>drop_replica</c>).</summary>
    public sealed record DropReplica(ulong Peer, int Ordinal) : ReplicaAction;

    /// <summary>Remove a peer that holds nothing any more from the cluster (<c>DELETE /cluster/peer/{id}</c>).</summary>
    public sealed record RemovePeer(ulong Peer, int Ordinal) : ReplicaAction;

    /// <summary>Every peer above the desired count is gone: shrink the StatefulSet.</summary>
    public sealed record ShrinkStatefulSet(int Replicas) : ReplicaAction;

    /// <summary>Nothing to do now; <see cref="Reason"/> says what is awaited.</summary>
    public sealed record Wait(string Reason) : ReplicaAction;

    /// <summary>Every desired pod holds an Active replica and nothing is left above the desired count.</summary>
    public sealed record Converged : ReplicaAction;
}

/// <summary>
/// Decides, from a <see cref="ReplicaView"/>, the one next step that brings a shard's replicas to the desired count
/// (pure). Pods 0..replicas-1 are kept; higher ordinals go (a StatefulSet shrinks from the top).
/// <list type="number">
/// <item>Nothing happens while a transfer runs or while no replica is Active (Qdrant is recovering).</item>
/// <item>Growing: a kept pod that is Ready and joined the cluster but holds no replica gets one, copied from an
/// Active replica (lowest kept ordinal first).</item>
/// <item>Shrinking, highest ordinal first: drop the replica of a peer that goes — only when every kept pod already
/// holds an Active replica and another Active replica remains, so a shard never falls below one Active replica —
/// then remove the peer from the cluster; only when no peer is left above the desired count does the StatefulSet
/// shrink.</item>
/// </list>
/// </summary>
public static class ReplicaPlanner
{
    public static ReplicaAction Next(ReplicaView view)
    {
        if (view.Replicas.Count > 0 && view.ActiveReplicas == 0)
            return new ReplicaAction.Wait("no replica of the shard is Active; Qdrant recovers the replicas when their pods are back");
        if (view.TransfersInProgress > 0)
            return new ReplicaAction.Wait($"{Count(view.TransfersInProgress, "shard transfer")} in progress");

        var pending = new List<string>();
        for (var ordinal = 0; ordinal < view.DesiredReplicas; ordinal++)
        {
            var peer = view.PeerOf(ordinal);
            if (!view.ReadyOrdinals.Contains(ordinal))
            {
                pending.Add($"pod {ordinal} is not Ready");
                continue;
            }

            if (peer is null)
            {
                pending.Add($"pod {ordinal} has not joined the Qdrant cluster");
                continue;
            }

            if (!view.Replicas.TryGetValue(peer.Id, out var state))
            {
                if (Source(view, exclude: peer.Id) is { } source)
                    return new ReplicaAction.Replicate(source, peer.Id, ordinal);
                pending.Add($"pod {ordinal} has no replica and no Active replica can be copied");
                continue;
            }

            if (state != ReplicaState.Active)
                pending.Add($"replica on pod {ordinal} is {state}");
        }

        var surplus = view.Peers.Where(p => p.Ordinal >= view.DesiredReplicas).OrderByDescending(p => p.Ordinal).FirstOrDefault();
        if (surplus is { Ordinal: { } surplusOrdinal })
        {
            if (!view.Replicas.ContainsKey(surplus.Id)) return new ReplicaAction.RemovePeer(surplus.Id, surplusOrdinal);
            if (pending.Count > 0)
                return new ReplicaAction.Wait($"pod {surplusOrdinal} keeps its replica until the pods that stay are ready: {string.Join("; ", pending)}");
            if (!view.Replicas.Any(r => r.Key != surplus.Id && r.Value == ReplicaState.Active))
                return new ReplicaAction.Wait($"pod {surplusOrdinal} holds the only Active replica; it is kept until another one is Active");
            return new ReplicaAction.DropReplica(surplus.Id, surplusOrdinal);
        }

        if (view.StatefulSetReplicas > view.DesiredReplicas) return new ReplicaAction.ShrinkStatefulSet(view.DesiredReplicas);
        return pending.Count > 0 ? new ReplicaAction.Wait(string.Join("; ", pending)) : new ReplicaAction.Converged();
    }

    /// <summary>The pod ordinal of a peer URI such as <c>http://docs-shard-0-2.docs-shard-0-headless.ns.svc:6335/</c>.</summary>
    public static int? OrdinalFromUri(string uri, string statefulSetName)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed)) return null;
        var host = parsed.Host.Split('.')[0];
        return host.StartsWith(statefulSetName + "-", StringComparison.Ordinal)
               && int.TryParse(host.AsSpan(statefulSetName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : null;
    }

    private static ulong? Source(ReplicaView view, ulong exclude) =>
        view.Replicas
            .Where(r => r.Key != exclude && r.Value == ReplicaState.Active)
            .Select(r => (Peer: r.Key, Ordinal: view.Peers.FirstOrDefault(p => p.Id == r.Key)?.Ordinal ?? int.MaxValue))
            .OrderBy(r => r.Ordinal).ThenBy(r => r.Peer)
            .Select(r => (ulong?)r.Peer)
            .FirstOrDefault();

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
