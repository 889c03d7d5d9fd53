using System.Globalization;
using RagOperator.Qdrant.Models;

namespace RagOperator.Qdrant;

/// <summary>The <see cref="IQdrantAdminClient"/> half of the client: cluster and snapshot endpoints.</summary>
public sealed partial class QdrantClient
{
    public Task<ClusterStatus> GetClusterStatusAsync(CancellationToken cancellationToken = default) =>
        SendAsync("get_cluster", HttpMethod.Get, "cluster", null, ParseResult<ClusterStatus>, retry: true, cancellationToken);

    public Task<CollectionClusterInfo> GetCollectionClusterInfoAsync(string collection, CancellationToken cancellationToken = default) =>
        SendAsync("get_collection_cluster", HttpMethod.Get, CollectionPath(collection) + "/cluster", null,
            ParseResult<CollectionClusterInfo>, retry: true, cancellationToken);

    public Task ReplicateShardAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, ShardTransferMethod? method = null,
        CancellationToken cancellationToken = default) =>
        ClusterOperationAsync("replicate_shard", collection,
            new ReplicateShardOperation(new ShardTransferRequest(shardId, fromPeerId, toPeerId) { Method = method }), cancellationToken);

    public Task MoveShardAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, ShardTransferMethod? method = null,
        CancellationToken cancellationToken = default) =>
        ClusterOperationAsync("move_shard", collection,
            new MoveShardOperation(new ShardTransferRequest(shardId, fromPeerId, toPeerId) { Method = method }), cancellationToken);

    public Task AbortTransferAsync(
        string collection, uint shardId, ulong fromPeerId, ulong toPeerId, CancellationToken cancellationToken = default) =>
        ClusterOperationAsync("abort_transfer", collection,
            new AbortTransferOperation(new ShardTransferRequest(shardId, fromPeerId, toPeerId)), cancellationToken);

    public Task DropReplicaAsync(string collection, uint shardId, ulong peerId, CancellationToken cancellationToken = default) =>
        ClusterOperationAsync("drop_replica", collection, new DropReplicaOperation(new ReplicaRequest(shardId, peerId)), cancellationToken);

    public Task RemovePeerAsync(ulong peerId, bool force = false, CancellationToken cancellationToken = default) =>
        SendAsync("remove_peer", HttpMethod.Delete,
            string.Create(CultureInfo.InvariantCulture, $"cluster/peer/{peerId}?force={(force ? "true" : "false")}"), null,
            ParseResult<bool>, retry: false, cancellationToken);

    public Task<SnapshotDescription> CreateSnapshotAsync(string collection, CancellationToken cancellationToken = default) =>
        SendAsync("create_snapshot", HttpMethod.Post, CollectionPath(collection) + "/snapshots?wait=true", null,
            ParseResult<SnapshotDescription>, retry: false, cancellationToken);

    public async Task<IReadOnlyList<SnapshotDescription>> ListSnapshotsAsync(string collection, CancellationToken cancellationToken = default) =>
        await SendAsync("list_snapshots", HttpMethod.Get, CollectionPath(collection) + "/snapshots", null,
            ParseResult<SnapshotDescription[]>, retry: true, cancellationToken);

    public Task<byte[]> DownloadSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        SendAsync("download_snapshot", HttpMethod.Get, SnapshotPath(collection, snapshotName), null, static bytes => bytes,
            retry: true, cancellationToken);

    public Task<bool> DeleteSnapshotAsync(string collection, string snapshotName, CancellationToken cancellationToken = default) =>
        SendAsync("delete_snapshot", HttpMethod.Delete, SnapshotPath(collection, snapshotName) + "?wait=true", null,
            ParseResult<bool>, retry: true, cancellationToken);

    public Uri SnapshotUri(string collection, string snapshotName) => new(BaseUri, SnapshotPath(collection, snapshotName));

    public Task RecoverSnapshotAsync(string collection, SnapshotRecoverRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("recover_snapshot", HttpMethod.Put, CollectionPath(collection) + "/snapshots/recover?wait=true", request,
            ParseResult<bool>, retry: true, cancellationToken);

    public Task UploadSnapshotAsync(
        string collection, byte[] snapshot, string? checksum = null, SnapshotPriority? priority = null,
        CancellationToken cancellationToken = default)
    {
        var query = "?wait=true";
        if (priority is { } p)
        {
            query += "&priority=" + p switch { SnapshotPriority.NoSync => "no_sync", SnapshotPriority.Replica => "replica", _ => "snapshot" };
        }

        if (checksum is not null)
        {
            query += "&checksum=" + Uri.EscapeDataString(checksum);
        }

        return SendContentAsync("upload_snapshot", HttpMethod.Post, CollectionPath(collection) + "/snapshots/upload" + query, () =>
        {
            var form = new MultipartFormDataContent();
            form.Add(new ByteArrayContent(snapshot), "snapshot", collection + ".snapshot");
            return form;
        }, ParseResult<bool>, retry: false, cancellationToken);
    }

    private Task ClusterOperationAsync(string operation, string collection, object body, CancellationToken cancellationToken) =>
        SendAsync(operation, HttpMethod.Post, CollectionPath(collection) + "/cluster", body, ParseResult<bool>, retry: false, cancellationToken);

    private static string SnapshotPath(string collection, string snapshotName) =>
        CollectionPath(collection) + "/snapshots/" + Uri.EscapeDataString(snapshotName);
}
