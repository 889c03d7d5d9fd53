using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Workload;

/// <summary>One copy of a point as found on a shard.</summary>
public sealed record PointCopy(int Shard, long Sequence, int? Cell, long? WriteVersion);

/// <summary>Reads every point of a collection straight from the shards (not through the router).</summary>
public static class ShardScanner
{
    /// <summary>Payload field in which the workload stores each write's sequence number.</summary>
    public const string SequenceField = "seq";

    public static async Task<IReadOnlyDictionary<ulong, List<PointCopy>>> ScanAsync(
        IReadOnlyDictionary<int, IQdrantClient> shards, string collection, int pageSize = 2048, CancellationToken cancellationToken = default)
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
                    WithVector = false,
                }, cancellationToken);
                foreach (var point in page.Points)
                {
                    var payload = point.Payload;
                    var copy = new PointCopy(
                        shardId,
                        payload?[SequenceField]?.GetValue<long>() ?? AckOracle.Absent,
                        payload?[PayloadFields.Cell]?.GetValue<int>(),
                        payload?[PayloadFields.Version]?.GetValue<long>());
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
