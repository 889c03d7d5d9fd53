using System.Text.Json.Serialization;

namespace RagOperator.Qdrant.Models;

/// <summary>State of one shard replica (Qdrant's <c>ReplicaState</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReplicaState>))]
public enum ReplicaState
{
    Active,
    Dead,
    Partial,
    Initializing,
    Listener,
    PartialSnapshot,
    Recovery,
    Resharding,
    ReshardingScaleDown,
    ActiveRead,
    ManualRecovery,
}

[JsonConverter(typeof(JsonStringEnumConverter<ShardTransferMethod>))]
public enum ShardTransferMethod
{
    [JsonStringEnumMemberName("stream_records")] StreamRecords,
    [JsonStringEnumMemberName("snapshot")] Snapshot,
    [JsonStringEnumMemberName("wal_delta")] WalDelta,
    [JsonStringEnumMemberName("resharding_stream_records")] ReshardingStreamRecords,
}

/// <summary>Which data wins when a snapshot is recovered onto a collection that has replicas.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SnapshotPriority>))]
public enum SnapshotPriority
{
    [JsonStringEnumMemberName("no_sync")] NoSync,
    [JsonStringEnumMemberName("snapshot")] Snapshot,
    [JsonStringEnumMemberName("replica")] Replica,
}

/// <summary>Reply of <c>GET /cluster</c>: <c>disabled</c>, or <c>enabled</c> with this peer's id and the peers.</summary>
public sealed record ClusterStatus
{
    public required string Status { get; init; }
    public ulong? PeerId { get; init; }

    /// <summary>Peer id (as text, the JSON key) → peer.</summary>
    public IReadOnlyDictionary<string, PeerInfo> Peers { get; init; } = new Dictionary<string, PeerInfo>();

    public RaftInfo? RaftInfo { get; init; }

    public bool IsEnabled => Status == "enabled";
}

public sealed record PeerInfo(string Uri);

public sealed record RaftInfo
{
    public ulong Term { get; init; }
    public ulong Commit { get; init; }
    public ulong PendingOperations { get; init; }
    public ulong? Leader { get; init; }
    public string? Role { get; init; }
    public bool IsVoter { get; init; }
}

/// <summary>A collection's shard layout, from the answering peer's point of view.</summary>
public sealed record CollectionClusterInfo
{
    public ulong PeerId { get; init; }
    public ulong ShardCount { get; init; }
    public IReadOnlyList<LocalShardInfo> LocalShards { get; init; } = [];
    public IReadOnlyList<RemoteShardInfo> RemoteShards { get; init; } = [];
    public IReadOnlyList<ShardTransferInfo> ShardTransfers { get; init; } = [];

    /// <summary>Every replica of <paramref name="shardId"/>, local and remote: peer id → state.</summary>
    public IReadOnlyDictionary<ulong, ReplicaState> ReplicasOf(uint shardId) =>
        LocalShards.Where(shard => shard.ShardId == shardId).Select(shard => (PeerId, shard.State))
            .Concat(RemoteShards.Where(shard => shard.ShardId == shardId).Select(shard => (shard.PeerId, shard.State)))
            .ToDictionary(replica => replica.Item1, replica => replica.State);
}

public sealed record LocalShardInfo
{
    public uint ShardId { get; init; }
    public ulong PointsCount { get; init; }
    public ReplicaState State { get; init; }
}

public sealed record RemoteShardInfo
{
    public uint ShardId { get; init; }
    public ulong PeerId { get; init; }
    public ReplicaState State { get; init; }
}

public sealed record ShardTransferInfo
{
    public uint ShardId { get; init; }
    public ulong From { get; init; }
    public ulong To { get; init; }
    public bool Sync { get; init; }
}

public sealed record SnapshotDescription
{
    public required string Name { get; init; }
    public string? CreationTime { get; init; }
    public ulong Size { get; init; }

    /// <summary>SHA-256 of the file, lower-case hex.</summary>
    public string? Checksum { get; init; }
}

/// <summary>Body of <c>PUT /collections/{name}/snapshots/recover</c>.</summary>
public sealed record SnapshotRecoverRequest(Uri Location)
{
    public SnapshotPriority? Priority { get; init; }

    /// <summary>Expected SHA-256; Qdrant refuses the snapshot when it differs.</summary>
    public string? Checksum { get; init; }

    /// <summary>Key the recovering shard sends when it downloads <see cref="Location"/> from another shard.</summary>
    public string? ApiKey { get; init; }
}
