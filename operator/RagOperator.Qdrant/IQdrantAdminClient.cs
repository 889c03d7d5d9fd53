using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant;

/// <summary>
/// Day-2 operations on one shard's Qdrant cluster: peers, shard replicas and transfers, and collection snapshots.
/// A collection's cluster info and setup go over gRPC, the rest over REST (Qdrant serves it nowhere else).
/// Cluster changes are not retried automatically (a repeated replicate would be refused as already present);
/// reads and snapshot downloads are.
/// </summary>
public interface IQdrantAdminClient
{
    Uri BaseUri { get; }

    Task<ClusterStatus> GetClusterStatusAsync(CancellationToken cancellationToken = default);

    Task<CollectionClusterInfo> GetCollectionClusterInfoAsync(string collection, CancellationToken cancellationToken = default);

    /// <summary>Starts copying <paramref name="shardId"/> to a new replica on <paramref name="toPeerId"/>; it becomes Active when done.</summary>
    Task ReplicateShardAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, ShardTransferMethod? method = null,
        CancellationToken cancellationToken = default);

    Task MoveShardAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, ShardTransferMethod? method = null,
        CancellationToken cancellationToken = default);

    Task AbortTransferAsync(string collection, uint shardId, ulong fromPeerId, ulong toPeerId, CancellationToken cancellationToken = default);

    Task DropReplicaAsync(string collection, uint shardId, ulong peerId, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /cluster/peer/{id}</c>; Qdrant refuses while the peer holds replicas unless <paramref name="force"/>.</summary>
    Task RemovePeerAsync(ulong peerId, bool force = false, CancellationToken cancellationToken = default);

    Task<SnapshotDescription> CreateSnapshotAsync(string collection, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SnapshotDescription>> ListSnapshotsAsync(string collection, CancellationToken cancellationToken = default);

    Task<byte[]> DownloadSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the snapshot file for reading as it arrives from the shard (the caller disposes the stream, which ends the
    /// response). A snapshot can be gigabytes: there is no per-attempt timeout and no retry here; the caller retries
    /// the whole transfer. A connection cut while reading surfaces as a transient <see cref="QdrantException"/>.
    /// </summary>
    Task<Stream> OpenSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces (or creates) the collection from a snapshot file streamed from <paramref name="content"/>
    /// (<c>POST .../snapshots/upload</c>, multipart); like <see cref="OpenSnapshotAsync"/>, one attempt without a
    /// per-attempt timeout.
    /// </summary>
    Task UploadSnapshotStreamAsync(
        string collection, Stream content, string? checksum = null, SnapshotPriority? priority = null,
        CancellationToken cancellationToken = default);

    Task<bool> DeleteSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default);

    /// <summary>Where another shard can download a snapshot of this one (for <see cref="RecoverSnapshotAsync"/>).</summary>
    Uri SnapshotUri(string collection, string snapshotName);

    /// <summary>Replaces (or creates) the collection from the snapshot at <see cref="SnapshotRecoverRequest.Location"/>.</summary>
    Task RecoverSnapshotAsync(string collection, SnapshotRecoverRequest request, CancellationToken cancellationToken = default);

    /// <summary>Replaces (or creates) the collection from an uploaded snapshot file.</summary>
    Task UploadSnapshotAsync(
        string collection, byte[] snapshot, string? checksum = null, SnapshotPriority? priority = null,
        CancellationToken cancellationToken = default);
}
