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
/// which state. Tests (or the Sandbox, which follows the shard's pods) add peers as pods start (<see cref="AddPeer"/>)
/// and take them down and up (<see cref="SetPeerDown"/>). Replication is bookkeeping: every replica serves the
/// server's single copy of the data. What is modelled after Qdrant:
/// <list type="bullet">
/// <item>A replicate or move transfer keeps the target replica <c>Partial</c> for <see cref="TransferDuration"/>, then
/// makes it <c>Active</c>; it can fail (<see cref="FailNextTransfers"/>, <see cref="TransferFailureRate"/>), which leaves
/// the target replica <c>Dead</c>.</item>
/// <item>A peer that goes down has its replicas marked <c>Dead</c> and its transfers dropped. A <c>Dead</c> replica on a
/// peer that is up is recovered automatically, as Qdrant's consensus does: after <see cref="RecoveryDelay"/> a sync
/// transfer from an active replica starts (or, with no active replica left anywhere, the replica becomes Active
/// from its own data).</item>
/// <item>Point operations need replicas (<see cref="CheckServing"/>): a read needs one <c>Active</c> replica of every
/// shard, a write needs <c>write_consistency_factor</c> replicas that take updates (<c>Active</c> or <c>Partial</c>);
/// otherwise Qdrant's 500 "Service internal error".</item>
/// </list>
/// </summary>
public sealed class InProcessQdrantCluster
{
    private readonly object _gate = new();
    private readonly SortedDictionary<ulong, PeerState> _peers = [];
    private readonly Dictionary<string, CollectionLayout> _collections = new(StringComparer.Ordinal);
    private readonly Random _random;
    private ulong _commit;
    private TimeSpan _transferDuration = TimeSpan.FromMilliseconds(100);
    private TimeSpan _recoveryDelay = TimeSpan.FromMilliseconds(100);
    private double _transferFailureRate;
    private int _failNextTransfers;
    private long _transfersStarted;
    private long _transfersFailed;

    internal InProcessQdrantCluster(ulong localPeerId, int seed = 1)
    {
        LocalPeerId = localPeerId;
        _random = new Random(seed);
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

    /// <summary>How long after a replica became <c>Dead</c> on a reachable peer its automatic recovery starts.</summary>
    public TimeSpan RecoveryDelay
    {
        get
        {
            lock (_gate)
            {
                return _recoveryDelay;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate)
            {
                _recoveryDelay = value;
            }
        }
    }

    /// <summary>Share of transfers (0..1) that fail when they would complete; seeded, so runs repeat.</summary>
    public double TransferFailureRate
    {
        get
        {
            lock (_gate)
            {
                return _transferFailureRate;
            }
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1);
            lock (_gate)
            {
                _transferFailureRate = value;
            }
        }
    }

    /// <summary>Transfers started so far (operator-requested and automatic recoveries).</summary>
    public long TransfersStarted => Interlocked.Read(ref _transfersStarted);

    /// <summary>Transfers that failed so far.</summary>
    public long TransfersFailed => Interlocked.Read(ref _transfersFailed);

    /// <summary>The next <paramref name="count"/> transfers to complete fail instead (the target replica is left Dead).</summary>
    public void FailNextTransfers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _failNextTransfers = count;
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

    /// <summary>
    /// Marks a peer unreachable (its replicas become Dead, its transfers are dropped) or reachable again (its Dead
    /// replicas are recovered: see the class comment).
    /// </summary>
    public void SetPeerDown(ulong peerId, bool down)
    {
        lock (_gate)
        {
            var peer = _peers.TryGetValue(peerId, out var found) ? found : throw new KeyNotFoundException($"No peer {peerId}");
            if (peer.Down == down)
            {
                return;
            }

            peer.Down = down;
            foreach (var (name, layout) in _collections)
            {
                if (down)
                {
                    // A transfer from or to the peer breaks off; a target that did not get all the data is Dead.
                    foreach (var broken in layout.Transfers.Where(t => t.FromPeerId == peerId || t.ToPeerId == peerId).ToList())
                    {
                        layout.Transfers.Remove(broken);
                        if (layout.Shards[broken.ShardId].ContainsKey(broken.ToPeerId))
                        {
                            layout.Shards[broken.ShardId][broken.ToPeerId] = QdrantReplicaState.Dead;
                        }
                    }
                }

                foreach (var (shardId, replicas) in layout.Shards)
                {
                    if (!replicas.ContainsKey(peerId))
                    {
                        continue;
                    }

                    if (down)
                    {
                        replicas[peerId] = QdrantReplicaState.Dead;
                    }
                    else if (replicas[peerId] == QdrantReplicaState.Dead)
                    {
                        Recover(name, layout, shardId, peerId);
                    }
                }

                if (down)
                {
                    // Targets left Dead by the broken transfers recover from another source when one is left.
                    foreach (var (shardId, replicas) in layout.Shards)
                    {
                        foreach (var (target, state) in replicas.ToList())
                        {
                            if (state == QdrantReplicaState.Dead && target != peerId && !_peers[target].Down)
                            {
                                _ = RecoverLaterAsync(name, shardId, target, _recoveryDelay);
                            }
                        }
                    }
                }
            }

            _commit++;
        }
    }

    /// <summary>The peer's URI as <c>GET /cluster</c> reports it.</summary>
    public string PeerUri(ulong peerId)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peerId, out var peer) ? peer.Uri : throw new KeyNotFoundException($"No peer {peerId}");
        }
    }

    /// <summary>Changes the URI a peer announces (the Sandbox gives each peer its pod's address).</summary>
    public void SetPeerUri(ulong peerId, string uri)
    {
        lock (_gate)
        {
            var peer = _peers.TryGetValue(peerId, out var found) ? found : throw new KeyNotFoundException($"No peer {peerId}");
            peer.Uri = uri;
            _commit++;
        }
    }

    public bool IsPeerDown(ulong peerId)
    {
        lock (_gate)
        {
            return _peers.TryGetValue(peerId, out var peer) ? peer.Down : throw new KeyNotFoundException($"No peer {peerId}");
        }
    }

    /// <summary>Whether the peer is (still) a member of the cluster: false once removed.</summary>
    public bool HasPeer(ulong peerId)
    {
        lock (_gate)
        {
            return _peers.ContainsKey(peerId);
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
            // Qdrant places the replicas on reachable peers (this one first: it serves the request).
            var reachable = _peers.Where(peer => !peer.Value.Down).Select(peer => peer.Key).ToList();
            var peers = reachable.Where(id => id != LocalPeerId).Prepend(LocalPeerId).Where(id => id == LocalPeerId || reachable.Contains(id))
                .Take((int)Math.Max(1, replicationFactor)).ToArray();
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

            StartTransfer(collection, layout, new QdrantShardTransfer(shardId, fromPeer, toPeer, Sync: !move, method));
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

    /// <summary>
    /// Refuses a point operation the replicas cannot serve: a read needs an Active replica of every shard; a write
    /// needs at least <paramref name="writeConsistencyFactor"/> replicas taking updates (Active, or Partial while a
    /// transfer fills them) on every shard. A collection without a layout (none was recorded) is not checked.
    /// </summary>
    internal void CheckServing(string collection, bool write, uint writeConsistencyFactor)
    {
        lock (_gate)
        {
            if (!_collections.TryGetValue(collection, out var layout))
            {
                return;
            }

            foreach (var (shardId, replicas) in layout.Shards)
            {
                var active = replicas.Count(r => r.Value == QdrantReplicaState.Active);
                if (active == 0)
                {
                    throw QdrantHttpError.Internal(
                        $"No active replica of shard {shardId} of collection `{collection}`: replicas {Describe(replicas)}");
                }

                var updatable = replicas.Count(r => r.Value is QdrantReplicaState.Active or QdrantReplicaState.Partial);
                if (write && updatable < writeConsistencyFactor)
                {
                    throw QdrantHttpError.Internal(
                        $"Failed to apply the operation to at least write_consistency_factor ({writeConsistencyFactor}) replicas of shard {shardId}: " +
                        $"{updatable} can take updates, replicas {Describe(replicas)}");
                }
            }
        }
    }

    private static string Describe(Dictionary<ulong, QdrantReplicaState> replicas) =>
        string.Join(", ", replicas.OrderBy(r => r.Key).Select(r => $"{r.Key}: {r.Value}"));

    /// <summary>Starts the recovery of a Dead replica (under the lock): a sync transfer from an Active replica on a reachable peer.</summary>
    private void Recover(string collection, CollectionLayout layout, uint shardId, ulong peerId)
    {
        var replicas = layout.Shards[shardId];
        if (layout.Transfers.Any(t => t.ShardId == shardId && t.ToPeerId == peerId))
        {
            return;
        }

        var source = replicas
            .Where(r => r.Key != peerId && r.Value == QdrantReplicaState.Active && !_peers[r.Key].Down)
            .Select(r => (ulong?)r.Key)
            .FirstOrDefault();
        if (source is null)
        {
            // No other copy to catch up from: the peer's own data is the newest there is.
            if (!replicas.Any(r => r.Key != peerId && r.Value is QdrantReplicaState.Partial))
            {
                replicas[peerId] = QdrantReplicaState.Active;
            }

            return;
        }

        StartTransfer(collection, layout, new QdrantShardTransfer(shardId, source.Value, peerId, Sync: true, "stream_records"));
    }

    private void StartTransfer(string collection, CollectionLayout layout, QdrantShardTransfer transfer)
    {
        layout.Shards[transfer.ShardId][transfer.ToPeerId] = QdrantReplicaState.Partial;
        layout.Transfers.Add(transfer);
        Interlocked.Increment(ref _transfersStarted);
        _commit++;
        _ = CompleteTransferLaterAsync(collection, transfer, _transferDuration);
    }

    private async Task RecoverLaterAsync(string collection, uint shardId, ulong peerId, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_collections.TryGetValue(collection, out var layout) && layout.Shards.TryGetValue(shardId, out var replicas) &&
                replicas.TryGetValue(peerId, out var state) && state == QdrantReplicaState.Dead &&
                _peers.TryGetValue(peerId, out var peer) && !peer.Down)
            {
                Recover(collection, layout, shardId, peerId);
                _commit++;
            }
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
            _commit++;
            if (_failNextTransfers > 0 || (_transferFailureRate > 0 && _random.NextDouble() < _transferFailureRate))
            {
                _failNextTransfers = Math.Max(0, _failNextTransfers - 1);
                Interlocked.Increment(ref _transfersFailed);
                if (replicas.ContainsKey(transfer.ToPeerId))
                {
                    // As in Qdrant: the receiving replica did not get everything and is Dead; consensus recovers it later.
                    replicas[transfer.ToPeerId] = QdrantReplicaState.Dead;
                    _ = RecoverLaterAsync(collection, transfer.ShardId, transfer.ToPeerId, _recoveryDelay);
                }

                return;
            }

            if (replicas.ContainsKey(transfer.ToPeerId))
            {
                replicas[transfer.ToPeerId] = QdrantReplicaState.Active;
            }

            if (!transfer.Sync)
            {
                replicas.Remove(transfer.FromPeerId);
            }
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
            _peers[LocalPeerId].Uri = uri.ToString();
        }
    }

    private sealed class PeerState(string uri)
    {
        public string Uri { get; set; } = uri;
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
