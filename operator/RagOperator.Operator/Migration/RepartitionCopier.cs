using System.Text.Json.Nodes;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>
/// The copy step of a re-partition, for one source shard (the unit of a re-partition's moves). It scrolls the source's
/// points still stamped in the old numbering (<c>_rag_cell</c> one of the source's old keys), in id order from the
/// checkpoint, with vectors; for each point it finds its cell in the new partition (nearest centroid) and that cell's
/// owner, and then per batch:
/// <list type="number">
/// <item>to every other owner, upserts the points it lacks or holds older, re-stamped (<c>_rag_cell</c> = new key,
/// <c>_rag_prev_cell</c> = old key, same <c>_rag_v</c>), guarded by <see cref="MigrationFilters.UnchangedSince"/> as the
/// cell copier does, so a router write landing in between is never overwritten;</item>
/// <item>re-stamps every point of the batch on the source itself the same way (<c>update_only</c>, guarded by the
/// version read), so reads from the old owner still find it through <c>_rag_prev_cell</c>, reads and cleanup can
/// tell by <c>_rag_cell</c> which shard it belongs to now, and the verify pass needs no vectors.</item>
/// </list>
/// Points written by routers once they serve the re-partition table are stamped this way already and go to both owners,
/// so the scroll (old keys only) never reads them: no watermark is needed. A point deleted or rewritten while its batch
/// is in flight can leave a stale copy on a new owner; the verify pass finds it there and not on the source, and
/// deletes it.
/// </summary>
public sealed class RepartitionCopier(
    int sourceShard, Func<int, IQdrantClient> shards, string collection, RoutingTable from, RoutingTable to, CopyOptions? options = null) : IMoveCopier
{
    private static readonly WriteOptions UpdateOnly = new() { UpdateMode = UpsertMode.UpdateOnly };
    private readonly CopyOptions options = options ?? new CopyOptions();
    private readonly IQdrantClient source = shards(sourceShard);
    private readonly Qdrant.Filters.Filter stampedOld = MigrationFilters.Cells(NonEmpty(from.OldAssignment().CellsOf(sourceShard)), from.Assigner.KeyOffset);
    private readonly IReadOnlyDictionary<int, int> newOwner = Owners(to);

    public async Task<CopySlice> CopyAsync(PointId? from, Func<CopyBatch, CancellationToken, Task> onBatch, TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = options.Time.GetTimestamp();
        long scanned = 0, upserted = 0;
        var batches = 0;
        var offset = from;
        while (true)
        {
            var page = await source.ScrollAsync(collection, new ScrollRequest
            {
                Filter = stampedOld,
                Limit = (ulong)options.EffectiveBatchSize,
                Offset = offset,
                WithPayload = PayloadSelector.All,
                WithVector = true,
            }, cancellationToken);
            var written = await WriteBatchAsync(page.Points, cancellationToken);
            var batch = new CopyBatch(page.Points.Count, written, page.NextPageOffset);
            scanned += batch.Scanned;
            upserted += batch.Upserted;
            batches++;
            await onBatch(batch, cancellationToken);
            offset = page.NextPageOffset;
            if (batch.Finished || options.Time.GetElapsedTime(started) >= budget)
            {
                return new CopySlice(scanned, upserted, batches, offset, batch.Finished, options.Time.GetElapsedTime(started));
            }
        }
    }

    /// <summary>Copies the points to their new owners and re-stamps them on the source; returns the points written to other shards.</summary>
    internal async Task<int> WriteBatchAsync(IReadOnlyList<RetrievedPoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0) return 0;
        var stamped = new List<(RetrievedPoint Point, PointStruct Restamped, int Owner, long? Version)>(points.Count);
        foreach (var point in points)
        {
            var vector = point.Vector ?? throw new InvalidOperationException($"scroll returned point {point.Id} without its vector");
            var (payload, owner) = Restamp(point.Id, vector, point.Payload);
            stamped.Add((point, new PointStruct(point.Id, vector, payload), owner, MigrationFilters.VersionOf(point.Payload)));
        }

        var written = 0;
        foreach (var group in stamped.Where(s => s.Owner != sourceShard).GroupBy(s => s.Owner))
        {
            var target = shards(group.Key);
            var onTarget = await CellCopier.ReadVersionsAsync(target, collection, [.. group.Select(s => s.Point.Id)], cancellationToken);
            var toWrite = new List<PointStruct>();
            var seen = new List<(PointId, long?)>();
            foreach (var (point, restamped, _, version) in group)
            {
                var present = onTarget.TryGetValue(point.Id, out var targetVersion);
                if (present && !CellCopier.IsNewer(version, targetVersion)) continue;
                toWrite.Add(restamped);
                seen.Add((point.Id, present ? targetVersion : null));
            }

            if (toWrite.Count == 0) continue;
            if (options.Limiter?.Reserve(toWrite.Count) is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, options.Time, cancellationToken);
            }

            await target.UpsertAsync(collection, toWrite, WriteOptions.Default, MigrationFilters.UnchangedSince(seen), cancellationToken);
            written += toWrite.Count;
        }

        // After the targets: a point re-stamped on the source has been offered to its new owner.
        await source.UpsertAsync(collection, [.. stamped.Select(s => s.Restamped)], UpdateOnly,
            MigrationFilters.UnchangedSince(stamped.Select(s => (s.Point.Id, s.Version))), cancellationToken);
        return written;
    }

    /// <summary>The payload stamped for the new partition, and the point's owner in it.</summary>
    internal (JsonObject Payload, int Owner) Restamp(PointId id, float[] vector, JsonObject? payload)
    {
        var key = Key(id);
        var oldCell = from.Assigner.CellOf(key, vector);
        var newCell = to.Assigner.CellOf(key, vector);
        var stamped = payload?.DeepClone().AsObject() ?? [];
        stamped[PayloadFields.Cell] = to.Assigner.Key(newCell);
        stamped[PayloadFields.PreviousCell] = from.Assigner.Key(oldCell);
        return (stamped, newOwner[newCell]);
    }

    internal static PointKey Key(PointId id) => id.IsUuid ? PointKey.FromGuid(id.Uuid) : PointKey.FromUlong(id.Number);

    internal static IReadOnlyDictionary<int, int> Owners(RoutingTable table)
    {
        var owners = table.OldAssignment().OwnerByCell();
        return Enumerable.Range(0, owners.Length).ToDictionary(c => c, c => owners[c]);
    }

    private static CellSet NonEmpty(CellSet cells) => cells.IsEmpty
        ? throw new ArgumentException("a re-partition source owns cells in the old partition", nameof(cells))
        : cells;
}
