using System.Diagnostics;
using Grpc.Core;
using Qdrant.Client.Grpc;
using RagOperator.InProcess.Qdrant.Handlers;

namespace RagOperator.InProcess.Qdrant.Grpc;

/// <summary>A collection's shard layout and its changes, as the REST face's <c>/collections/{name}/cluster</c> serves them.</summary>
internal partial class CollectionsGrpcService
{
    public virtual Task<CollectionClusterInfoResponse> CollectionClusterInfo(CollectionClusterInfoRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var points = collections.Named(request.CollectionName).Count;
        var layout = cluster.DescribeCollection(request.CollectionName);
        var response = new CollectionClusterInfoResponse { PeerId = layout.LocalPeerId, ShardCount = layout.ShardCount };
        foreach (var (shardId, peerId, state) in layout.Replicas)
        {
            if (peerId == layout.LocalPeerId)
            {
                response.LocalShards.Add(new LocalShardInfo
                {
                    ShardId = shardId, PointsCount = (ulong)QdrantApi.ShardShare(points, layout.ShardCount, shardId), State = ToGrpc(state),
                });
            }
            else
            {
                response.RemoteShards.Add(new RemoteShardInfo { ShardId = shardId, PeerId = peerId, State = ToGrpc(state) });
            }
        }

        response.ShardTransfers.AddRange(layout.Transfers.Select(transfer => new ShardTransferInfo
        {
            ShardId = transfer.ShardId, From = transfer.FromPeerId, To = transfer.ToPeerId, Sync = transfer.Sync,
        }));
        response.Time = Seconds(started);
        return Task.FromResult(response);
    }

    public virtual Task<UpdateCollectionClusterSetupResponse> UpdateCollectionClusterSetup(UpdateCollectionClusterSetupRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var name = request.CollectionName;
        collections.Named(name);
        switch (request.OperationCase)
        {
            case UpdateCollectionClusterSetupRequest.OperationOneofCase.ReplicateShard:
                var replicate = request.ReplicateShard;
                cluster.ReplicateShard(name, replicate.ShardId, replicate.FromPeerId, replicate.ToPeerId, Method(replicate.HasMethod ? replicate.Method : null), move: false);
                break;
            case UpdateCollectionClusterSetupRequest.OperationOneofCase.MoveShard:
                var move = request.MoveShard;
                cluster.ReplicateShard(name, move.ShardId, move.FromPeerId, move.ToPeerId, Method(move.HasMethod ? move.Method : null), move: true);
                break;
            case UpdateCollectionClusterSetupRequest.OperationOneofCase.AbortTransfer:
                cluster.AbortTransfer(name, request.AbortTransfer.ShardId, request.AbortTransfer.FromPeerId, request.AbortTransfer.ToPeerId);
                break;
            case UpdateCollectionClusterSetupRequest.OperationOneofCase.DropReplica:
                cluster.DropReplica(name, request.DropReplica.ShardId, request.DropReplica.PeerId);
                break;
            default:
                throw QdrantHttpError.Unsupported("This cluster operation");
        }

        return Task.FromResult(new UpdateCollectionClusterSetupResponse { Result = true, Time = Seconds(started) });
    }

    // The REST face's names of the transfer methods, which the cluster's bookkeeping keeps.
    private static string Method(ShardTransferMethod? method) => method switch
    {
        null or ShardTransferMethod.StreamRecords => "stream_records",
        ShardTransferMethod.Snapshot => "snapshot",
        ShardTransferMethod.WalDelta => "wal_delta",
        _ => throw QdrantHttpError.Unsupported($"The {method} transfer method"),
    };

    private static ReplicaState ToGrpc(QdrantReplicaState state) => state switch
    {
        QdrantReplicaState.Partial => ReplicaState.Partial,
        QdrantReplicaState.Dead => ReplicaState.Dead,
        _ => ReplicaState.Active,
    };
}
