using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Workload;

/// <summary>One copy of a point as found on a shard (with its vector when the scan asked for vectors).</summary>
public sealed record PointCopy(int Shard, long Sequence, int? Cell, long? WriteVersion, float[]? Vector = null);

/// <summary>Reads every point of a collection straight from the shards (not through the router).</summary>
public static class ShardScanner
{
    /// <summary>Payload field in which the workload stores each write's sequence number.</summary>
    public const string SequenceField = "seq";

    /// <param name="withVectors">Read vectors too: semantic tables place a point by its vector.</param>
    public static async Task<IReadOnlyDictionary<ulong, List<PointCopy>>> ScanAsync(
        IReadOnlyDictionary<int, IQdrantClient> shards, string collection, int pageSize = 2048, bool withVectors = false, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<ulong, List<PointCopy>>();
        foreach (var (shardId, client) in shards.OrderBy(s => s.Key))
        {
            if (!await client.CollectionExistsAsync(collection, cancellationToken)) continue;
            PointId? offset = null;
            do
            {
                var page = await client.ScrollAsync(collection, new ScrollRequest
                {
                    Limit = (ulong)pageSize,
                    Offset = offset,
                    WithPayload = PayloadSelector.Fields(SequenceField, PayloadFields.Cell, PayloadFields.Version),
                    WithVector = withVectors,
                }, cancellationToken);
                foreach (var point in page.Points)
                {
                    var payload = point.Payload;
                    var copy = new PointCopy(
                        shardId,
                        payload?[SequenceField]?.GetValue<long>() ?? AckOracle.Absent,
                        payload?[PayloadFields.Cell]?.GetValue<int>(),
                        payload?[PayloadFields.Version]?.GetValue<long>(),
                        point.Vector);
                    var id = point.Id.Number;
                    if (!found.TryGetValue(id, out var copies)) found[id] = copies = [];
                    copies.Add(copy);
                }
                offset = page.NextPageOffset;
            }
            while (offset is not null);
        }
        return found;
    }
}
