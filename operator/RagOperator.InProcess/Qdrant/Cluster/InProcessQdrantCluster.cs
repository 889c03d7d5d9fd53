namespace RagOperator.InProcess.Qdrant;

/// <summary>A shard replica's state, spelled as Qdrant's <c>ReplicaState</c>.</summary>
public enum QdrantReplicaState
{
    Active,
    Partial,
    Dead,
}

/// <summary>A shard transfer in progress.</summary>
public sealed record QdrantShardTransfer(uint ShardId, ulong FromPeerId, ulong ToPeerId, bool Sync, string Method);

/// <summary>
/// Qdrant's cluster mode as seen from the peer this server plays (<see cref="LocalPeerId"/>): the peers of the
/// cluster (one per pod of a shard's StatefulSet), and for each collection where each shard's replicas live and in
/// which state. Tests add peers as pods "start" (<see cref="AddPeer"/>) and take them down. Replication is
/// bookkeeping: every replica serves the server's single copy of the data; a transfer turns a <c>Partial</c>
/// replica <c>Active</c> after <see cref="TransferDuration"/>, unless its peer goes down first (it is then
/// <c>Dead</c> and the transfer is dropped).
/// </summary>
public sealed class InProcessQdrantCluster
{
    private readonly object _gate = new();
    private readonly SortedDictionary<ulong, PeerState> _peers = [];
    private readonly Dictionary<string, CollectionLayout> _collections = new(StringComparer.Ordinal);
    private ulong _commit;
    private TimeSpan _transferDuration = TimeSpan.FromMilliseconds(100);

    internal InProcessQdrantCluster(ulong localPeerId)
    {
        LocalPeerId = localPeerId;
        _peers[localPeerId] = new PeerState("http://127.0.0.1:6335/");
    }

    public ulong LocalPeerId { get; }

    /// <summary>How long a replicate or move transfer stays in progress.</summary>
    public TimeSpan TransferDuration
    {
        get
        {
            lock (_gate)
            {
                return _transferDuration;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate)
            {
                _transferDuration = value;
            }
        }
    }

    public IReadOnlyList<ulong> PeerIds
    {
        get
        {
            lock (_gate)
            {
                return _peers.Keys.ToArray();
            }
        }
    }

    /// <summary>A new peer joins the cluster (a pod of the StatefulSet started); returns its id.</summary>
    public ulong AddPeer(string? uri = null)
    {
        lock (_gate)
        {
            var id = _peers.Keys.Max() + 1;
            _peers[id] = new PeerState(uri ?? $"http://peer-{id}.in-process:6335/");
            _commit++;
            return id;
        }
    }

    /// <summary>Marks a peer unreachable (its replicas become Dead) or back (they become Active again).</summary>
    public void SetPeerDown(ulong peerId, bool down)
    {
        lock (_gate)
        {
            var peer = _peers.TryGetValue(peerId, out var found) ? found : throw new KeyNotFoundException($"No peer {peerId}");
            peer.Down = down;
            foreach (var layout in _collections.Values)
            {
                foreach (var replicas in layout.Shards.Values)
                {
                    if (replicas.TryGetValue(peerId, out var state))
                    {
                        replicas[peerId] = down ? QdrantReplicaState.Dead : state == QdrantReplicaState.Dead ? QdrantReplicaState.Active : state;
                    }
                }

                if (down)
                {
                    layout.Transfers.RemoveAll(t => t.FromPeerId == peerId || t.ToPeerId == peerId);
                }
            }
        }
    }

    /// <summary>Replica states of one shard of a collection, by peer id.</summary>
    public IReadOnlyDictionary<ulong, QdrantReplicaState> Replicas(string collection, uint shardId = 0)
    {
        lock (_gate)
        {
            return new Dictionary<ulong, QdrantReplicaState>(Layout(collection).Shards[shardId]);
        }
    }

    public IReadOnlyList<QdrantShardTransfer> Transfers(string collection)
    {
        lock (_gate)
        {
            return Layout(collection).Transfers.ToArray();
        }
    }

    // ---- used by the HTTP handlers ----

    internal void OnCollectionCreated(string collection, uint shardNumber, uint replicationFactor)
    {
        lock (_gate)
        {
            var layout = new CollectionLayout();
            var peers = _peers.Keys.Where(id => id != LocalPeerId).Prepend(LocalPeerId).Take((int)Math.Max(1, replicationFactor)).ToArray();
            for (uint shard = 0; shard < Math.Max(1, shardNumber); shard++)
            {
                layout.Shards[shard] = peers.ToDictionary(peer => peer, _ => QdrantReplicaState.Active);
            }

            _collections[collection] = layout;
            _commit++;
        }
    }

    internal void OnCollectionDeleted(string collection)
    {
        lock (_gate)
        {
            _collections.Remove(collection);
            _commit++;
        }
    }

    internal ClusterSnapshot Describe()
    {
        lock (_gate)
        {
            return new ClusterSnapshot(LocalPeerId, _peers.ToDictionary(peer => peer.Key, peer => peer.Value.Uri), _commit);
        }
    }

    internal CollectionClusterSnapshot DescribeCollection(string collection)
    {
        lock (_gate)
        {
            var layout = Layout(collection);
            var replicas = layout.Shards
                .SelectMany(shard => shard.Value.Select(replica => (ShardId: shard.Key, PeerId: replica.Key, State: replica.Value)))
                .OrderBy(replica => replica.ShardId).ThenBy(replica => replica.PeerId)
                .ToArray();
            return new CollectionClusterSnapshot(LocalPeerId, (uint)layout.Shards.Count, replicas, layout.Transfers.ToArray());
        }
    }

    internal void ReplicateShard(string collection, uint shardId, ulong fromPeer, ulong toPeer, string method, bool move)
    {
        lock (_gate)
        {
            var replicas = Shard(collection, shardId);
            RequirePeer(fromPeer);
            RequirePeer(toPeer);
            if (!replicas.TryGetValue(fromPeer, out var source) || source != QdrantReplicaState.Active)
            {
                throw QdrantHttpError.BadRequest($"Shard {shardId} on peer {fromPeer} is not an active replica");
            }

            if (replicas.ContainsKey(toPeer))
            {
                throw QdrantHttpError.BadRequest($"Shard {shardId} is already present on peer {toPeer}");
            }

            var layout = Layout(collection);
            if (layout.Transfers.Any(t => t.ShardId == shardId && (t.ToPeerId == toPeer || t.FromPeerId == fromPeer)))
            {
                throw QdrantHttpError.BadRequest($"Shard {shardId} is already involved in a transfer");
            }

            if (_peers[toPeer].Down)
            {
                throw QdrantHttpError.BadRequest($"Peer {toPeer} is not reachable");
            }

            var transfer = new QdrantShardTransfer(shardId, fromPeer, toPeer, Sync: !move, method);
            replicas[toPeer] = QdrantReplicaState.Partial;
            layout.Transfers.Add(transfer);
            _commit++;
            _ = CompleteTransferLaterAsync(collection, transfer, _transferDuration);
        }
    }

    internal void DropReplica(string collection, uint shardId, ulong peerId)
    {
        lock (_gate)
        {
            var replicas = Shard(collection, shardId);
            if (!replicas.ContainsKey(peerId))
            {
                throw QdrantHttpError.BadRequest($"Shard {shardId} has no replica on peer {peerId}");
            }

            if (!replicas.Any(r => r.Key != peerId && r.Value == QdrantReplicaState.Active))
            {
                throw QdrantHttpError.BadRequest($"Shard {shardId} must keep at least one active replica; cannot drop the one on peer {peerId}");
            }

            replicas.Remove(peerId);
            Layout(collection).Transfers.RemoveAll(t => t.ShardId == shardId && (t.ToPeerId == peerId || t.FromPeerId == peerId));
            _commit++;
        }
    }

    internal void AbortTransfer(string collection, uint shardId, ulong fromPeer, ulong toPeer)
    {
        lock (_gate)
        {
            var layout = Layout(collection);
            var removed = layout.Transfers.RemoveAll(t => t.ShardId == shardId && t.FromPeerId == fromPeer && t.ToPeerId == toPeer);
            if (removed == 0)
            {
                throw QdrantHttpError.NotFound($"Shard transfer {shardId} from peer {fromPeer} to peer {toPeer} does not exist");
            }

            Shard(collection, shardId).Remove(toPeer);
            _commit++;
        }
    }

    internal void RemovePeer(ulong peerId, bool force)
    {
        lock (_gate)
        {
            RequirePeer(peerId);
            if (peerId == LocalPeerId)
            {
                throw QdrantHttpError.BadRequest($"Cannot remove peer {peerId}: it is the peer serving this request");
            }

            var holding = _collections.Values.SelectMany(layout => layout.Shards.Values).Where(replicas => replicas.ContainsKey(peerId)).ToList();
            if (holding.Count > 0 && !force)
            {
                throw QdrantHttpError.BadRequest($"Cannot remove peer {peerId} as there are shards on it");
            }

            foreach (var replicas in holding)
            {
                replicas.Remove(peerId);
            }

            foreach (var layout in _collections.Values)
            {
                layout.Transfers.RemoveAll(t => t.FromPeerId == peerId || t.ToPeerId == peerId);
            }

            _peers.Remove(peerId);
            _commit++;
        }
    }

    private async Task CompleteTransferLaterAsync(string collection, QdrantShardTransfer transfer, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (!_collections.TryGetValue(collection, out var layout) || !layout.Transfers.Remove(transfer))
            {
                return; // aborted, dropped or the peer went down meanwhile
            }

            var replicas = layout.Shards[transfer.ShardId];
            if (replicas.ContainsKey(transfer.ToPeerId))
            {
                replicas[transfer.ToPeerId] = QdrantReplicaState.Active;
            }

            if (!transfer.Sync)
            {
                replicas.Remove(transfer.FromPeerId);
            }

            _commit++;
        }
    }

    private CollectionLayout Layout(string collection) =>
        _collections.TryGetValue(collection, out var layout) ? layout : throw QdrantHttpError.CollectionNotFound(collection);

    private Dictionary<ulong, QdrantReplicaState> Shard(string collection, uint shardId) =>
        Layout(collection).Shards.TryGetValue(shardId, out var replicas)
            ? replicas
            : throw QdrantHttpError.BadRequest($"Shard {shardId} does not exist");

    private void RequirePeer(ulong peerId)
    {
        if (!_peers.ContainsKey(peerId))
        {
            throw QdrantHttpError.BadRequest($"Peer {peerId} does not exist");
        }
    }

    /// <summary>The local peer's address is known once the server listens.</summary>
    internal void SetLocalUri(Uri uri)
    {
        lock (_gate)
        {
            _peers[LocalPeerId] = new PeerState(uri.ToString());
        }
    }

    private sealed class PeerState(string uri)
    {
        public string Uri { get; } = uri;
        public bool Down { get; set; }
    }

    private sealed class CollectionLayout
    {
        public SortedDictionary<uint, Dictionary<ulong, QdrantReplicaState>> Shards { get; } = [];
        public List<QdrantShardTransfer> Transfers { get; } = [];
    }
}

internal sealed record ClusterSnapshot(ulong LocalPeerId, IReadOnlyDictionary<ulong, string> Peers, ulong Commit);

internal sealed record CollectionClusterSnapshot(
    ulong LocalPeerId, uint ShardCount, IReadOnlyList<(uint ShardId, ulong PeerId, QdrantReplicaState State)> Replicas,
    IReadOnlyList<QdrantShardTransfer> Transfers);
