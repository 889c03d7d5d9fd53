using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace RagOperator.InProcess.Qdrant.Handlers;

/// <summary>Cluster endpoints: cluster status, peer removal, a collection's shard layout and its update operations.</summary>
internal sealed partial class QdrantApi
{
    private Task GetClusterAsync(HttpContext context, long started)
    {
        var cluster = _cluster.Describe();
        return QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "enabled");
            writer.WriteNumber("peer_id", cluster.LocalPeerId);
            writer.WriteStartObject("peers");
            foreach (var (peerId, uri) in cluster.Peers)
            {
                writer.WriteStartObject(peerId.ToString(CultureInfo.InvariantCulture));
                writer.WriteString("uri", uri);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartObject("raft_info");
            writer.WriteNumber("term", 1);
            writer.WriteNumber("commit", cluster.Commit);
            writer.WriteNumber("pending_operations", 0);
            writer.WriteNumber("leader", cluster.LocalPeerId);
            writer.WriteString("role", "Leader");
            writer.WriteBoolean("is_voter", true);
            writer.WriteEndObject();
            writer.WriteStartObject("consensus_thread_status");
            writer.WriteString("consensus_thread_status", "working");
            writer.WriteString("last_update", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteStartObject("message_send_failures");
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    private async Task RemovePeerAsync(HttpContext context, string peerText, long started)
    {
        if (!ulong.TryParse(peerText, NumberStyles.None, CultureInfo.InvariantCulture, out var peerId))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var force = context.Request.Query["force"].FirstOrDefault() switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw QdrantHttpError.QueryFormat($"failed to parse `force` value `{other}` as bool"),
        };
        _cluster.RemovePeer(peerId, force);
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private async Task GetCollectionClusterAsync(HttpContext context, string name, long started)
    {
        var collection = Collection(name);
        var layout = _cluster.DescribeCollection(name);
        var points = collection.Count;
        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("peer_id", layout.LocalPeerId);
            writer.WriteNumber("shard_count", layout.ShardCount);
            writer.WriteStartArray("local_shards");
            foreach (var replica in layout.Replicas.Where(r => r.PeerId == layout.LocalPeerId))
            {
                writer.WriteStartObject();
                writer.WriteNumber("shard_id", replica.ShardId);
                writer.WriteNumber("points_count", ShardShare(points, layout.ShardCount, replica.ShardId));
                writer.WriteString("state", replica.State.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("remote_shards");
            foreach (var replica in layout.Replicas.Where(r => r.PeerId != layout.LocalPeerId))
            {
                writer.WriteStartObject();
                writer.WriteNumber("shard_id", replica.ShardId);
                writer.WriteNumber("peer_id", replica.PeerId);
                writer.WriteString("state", replica.State.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("shard_transfers");
            foreach (var transfer in layout.Transfers)
            {
                writer.WriteStartObject();
                writer.WriteNumber("shard_id", transfer.ShardId);
                writer.WriteNumber("from", transfer.FromPeerId);
                writer.WriteNumber("to", transfer.ToPeerId);
                writer.WriteBoolean("sync", transfer.Sync);
                writer.WriteString("method", transfer.Method);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private async Task UpdateCollectionClusterAsync(HttpContext context, string name, long started)
    {
        Collection(name);
        using var document = await ReadBodyAsync(context);
        var body = RequestJson.RequireObject(document.RootElement, "ClusterOperations");
        if (RequestJson.TryGet(body, "replicate_shard", out var replicate))
        {
            var (shard, from, to) = ReadTransfer(replicate);
            _cluster.ReplicateShard(name, shard, from, to, ReadMethod(replicate), move: false);
        }
        else if (RequestJson.TryGet(body, "move_shard", out var move))
        {
            var (shard, from, to) = ReadTransfer(move);
            _cluster.ReplicateShard(name, shard, from, to, ReadMethod(move), move: true);
        }
        else if (RequestJson.TryGet(body, "abort_transfer", out var abort))
        {
            var (shard, from, to) = ReadTransfer(abort);
            _cluster.AbortTransfer(name, shard, from, to);
        }
        else if (RequestJson.TryGet(body, "drop_replica", out var drop))
        {
            RequestJson.RequireObject(drop, "Replica");
            _cluster.DropReplica(name, ReadUInt32(drop, "shard_id"), ReadUInt64(drop, "peer_id"));
        }
        else
        {
            throw QdrantHttpError.Unsupported("This cluster operation");
        }

        await QdrantResponses.WriteResultAsync(context, Seconds(started), writer => writer.WriteBooleanValue(true));
    }

    private static (uint Shard, ulong From, ulong To) ReadTransfer(JsonElement operation)
    {
        RequestJson.RequireObject(operation, "ShardTransfer");
        return (ReadUInt32(operation, "shard_id"), ReadUInt64(operation, "from_peer_id"), ReadUInt64(operation, "to_peer_id"));
    }

    private static string ReadMethod(JsonElement operation) =>
        RequestJson.OptionalString(operation, "method") switch
        {
            null => "stream_records",
            "stream_records" or "snapshot" or "wal_delta" => RequestJson.OptionalString(operation, "method")!,
            var other => throw QdrantHttpError.Format($"unknown variant `{other}`, expected one of `stream_records`, `snapshot`, `wal_delta`"),
        };

    private static uint ReadUInt32(JsonElement obj, string name) =>
        (uint)Math.Min(RequestJson.OptionalUnsigned(obj, name, string.Empty) ?? throw QdrantHttpError.Format($"missing field `{name}`"), uint.MaxValue);

    private static ulong ReadUInt64(JsonElement obj, string name) =>
        RequestJson.OptionalUnsigned(obj, name, string.Empty) ?? throw QdrantHttpError.Format($"missing field `{name}`");

    /// <summary>Points are not split between shards here: each shard reports its share of the one store.</summary>
    internal static int ShardShare(int points, uint shardCount, uint shardId) =>
        (int)(points / shardCount + (shardId < points % shardCount ? 1 : 0));
}
