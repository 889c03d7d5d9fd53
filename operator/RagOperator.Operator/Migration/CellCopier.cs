using System.Diagnostics;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>Settings of a <see cref="CellCopier"/>.</summary>
public sealed record CopyOptions
{
    /// <summary>Points per scroll page and upsert (<c>rebalance.batchSize</c>).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// Shared limit on points copied per second (<c>rebalance.maxPointsPerSecond</c>); null for none. Charged for the
    /// points actually written: points the target already holds cost a read, not a copy.
    /// </summary>
    public TokenBucket? Limiter { get; init; }

    /// <summary>
    /// Only points whose write version is below this (or that have none) are read: every write with a version above it
    /// went to both owners, so the target already has it. Without it, a copy under a steady stream of inserts would
    /// chase the end of the id range for as long as the inserts outpace it. Null reads every point of the cells.
    /// </summary>
    public long? Watermark { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The page size actually used: the batch size, but never more than one second of the rate limit, so one batch
    /// never has to wait much longer than a second for its tokens.
    /// </summary>
    public int EffectiveBatchSize => Limiter is { } limiter ? Math.Max(1, Math.Min(BatchSize, (int)Math.Ceiling(limiter.Rate))) : BatchSize;
}

/// <summary>One batch the copier wrote (or found already up to date on the target).</summary>
/// <param name="Scanned">Points read from the source in this batch.</param>
/// <param name="Upserted">Points written to the target (the rest were already as new or newer there).</param>
/// <param name="NextOffset">Where the next batch starts (the scroll's next page offset); null when the move is done.</param>
public sealed record CopyBatch(int Scanned, int Upserted, PointId? NextOffset)
{
    public bool Finished => NextOffset is null;
}

/// <summary>What one <see cref="CellCopier.CopyAsync"/> call did.</summary>
public sealed record CopySlice(long Scanned, long Upserted, int Batches, PointId? NextOffset, bool Finished, TimeSpan Elapsed);

/// <summary>
/// Streams the points of some cells from a source shard to a target shard (step 3 of the protocol). Per batch:
/// <list type="number">
/// <item>scroll the source with a <c>_rag_cell</c> filter for the cells (<see cref="MigrationFilters.Cells"/>) and,
/// once copying has started, a write-version watermark (<see cref="CopyOptions.Watermark"/>), in id order from the
/// checkpoint, with vectors and payloads;</item>
/// <item>read the target's <c>_rag_v</c> for those ids (a scroll with <c>has_id</c> returning only that field);</item>
/// <item>upsert only the points whose source version is newer than the target's (or absent there), guarded by
/// <see cref="MigrationFilters.UnchangedSince"/> so that a router write landing between the read and the upsert —
/// always newer — is never overwritten;</item>
/// <item>report the batch (the caller checkpoints it), then go on from the scroll's next page offset.</item>
/// </list>
/// Pipelined: the scroll of the next page is already in flight while the current batch is compared and written.
/// Rate-limited by the shared <see cref="TokenBucket"/>. Bounded: <see cref="CopyAsync"/> stops after the batch
/// that crosses its time budget, so a reconcile is never a long-running loop.
/// <para>A point deleted on both shards by the router while its batch is in flight can be written back to the target
/// (the copier read it before the delete). The verify pass finds such a point — on the target, not on the
/// source — and deletes it; that is why verify follows copy.</para>
/// </summary>
public sealed class CellCopier(IQdrantClient source, IQdrantClient target, string collection, CellSet cells, CopyOptions? options = null, long keyOffset = 0)
    : IMoveCopier
{
    private readonly CopyOptions options = options ?? new CopyOptions();
    private readonly Qdrant.Filters.Filter cellFilter = options?.Watermark is { } watermark
        ? MigrationFilters.Cells(cells, keyOffset).And(MigrationFilters.WrittenBefore(watermark))
        : MigrationFilters.Cells(cells, keyOffset);

    public CellSet Cells => cells;

    /// <summary>
    /// Copies batches starting at <paramref name="from"/> (null: the first point) until the cells are done or
    /// <paramref name="budget"/> has passed. <paramref name="onBatch"/> runs after every written batch, before the
    /// next one is written: checkpoint there. A failure propagates after the in-flight scroll is observed.
    /// </summary>
    public async Task<CopySlice> CopyAsync(
        PointId? from, Func<CopyBatch, CancellationToken, Task> onBatch, TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = options.Time.GetTimestamp();
        long scanned = 0, upserted = 0;
        var batches = 0;
        var pending = ScrollAsync(from, cancellationToken);
        try
        {
            while (true)
            {
                var page = await pending;
                var next = page.NextPageOffset;
                var withinBudget = options.Time.GetElapsedTime(started) < budget;

                // Start reading the next page now; it arrives while this one is compared and written.
                pending = next is { } offset && withinBudget ? ScrollAsync(offset, cancellationToken) : null;

                var written = await WriteBatchAsync(page.Points, cancellationToken);
                var batch = new CopyBatch(page.Points.Count, written, next);
                scanned += batch.Scanned;
                upserted += batch.Upserted;
                batches++;
                await onBatch(batch, cancellationToken);
                if (batch.Finished || pending is null)
                {
                    return new CopySlice(scanned, upserted, batches, next, batch.Finished, options.Time.GetElapsedTime(started));
                }
            }
        }
        finally
        {
            // A prefetched page nobody will read: observe its outcome so a failure is not an unobserved exception.
            if (pending is { IsCompleted: false } orphan)
            {
                _ = orphan.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Copies every point of the cells in one go (benchmarks, tools); no checkpoints.</summary>
    public Task<CopySlice> CopyAllAsync(CancellationToken cancellationToken = default) =>
        CopyAsync(null, static (_, _) => Task.CompletedTask, TimeSpan.MaxValue, cancellationToken);

    private Task<ScrollResult> ScrollAsync(PointId? offset, CancellationToken cancellationToken) =>
        source.ScrollAsync(collection, new ScrollRequest
        {
            Filter = cellFilter,
            Limit = (ulong)options.EffectiveBatchSize,
            Offset = offset,
            WithPayload = PayloadSelector.All,
            WithVector = true,
        }, cancellationToken);

    private async Task<int> WriteBatchAsync(IReadOnlyList<RetrievedPoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0) return 0;
        var onTarget = await ReadVersionsAsync(target, collection, points.Select(p => p.Id).ToList(), cancellationToken);
        var toWrite = new List<PointStruct>(points.Count);
        var seen = new List<(PointId, long?)>(points.Count);
        foreach (var point in points)
        {
            var sourceVersion = MigrationFilters.VersionOf(point.Payload);
            var present = onTarget.TryGetValue(point.Id, out var targetVersion);
            if (present && !IsNewer(sourceVersion, targetVersion)) continue;
            toWrite.Add(new PointStruct(point.Id, point.Vector ?? throw new InvalidOperationException($"scroll returned point {point.Id} without its vector"), point.Payload));
            seen.Add((point.Id, present ? targetVersion : null));
        }

        if (toWrite.Count == 0) return 0;
        if (options.Limiter?.Reserve(toWrite.Count) is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, options.Time, cancellationToken);
        }

        await target.UpsertAsync(collection, toWrite, WriteOptions.Default, MigrationFilters.UnchangedSince(seen), cancellationToken);
        return toWrite.Count;
    }

    /// <summary>True when a copy at <paramref name="candidate"/> should replace one at <paramref name="current"/>.</summary>
    internal static bool IsNewer(long? candidate, long? current) => (candidate ?? long.MinValue) > (current ?? long.MinValue);

    /// <summary>The <c>_rag_v</c> of those ids that exist on a shard (absent ids are missing from the map).</summary>
    internal static async Task<Dictionary<PointId, long?>> ReadVersionsAsync(
        IQdrantClient shard, string collection, IReadOnlyList<PointId> ids, CancellationToken cancellationToken) =>
        (await ReadByIdAsync(shard, collection, ids, [Routing.PayloadFields.Version], cancellationToken))
            .ToDictionary(p => p.Id, p => MigrationFilters.VersionOf(p.Payload));

    /// <summary>Those of the ids that exist on a shard, with only the named payload fields and no vector.</summary>
    internal static async Task<IReadOnlyList<RetrievedPoint>> ReadByIdAsync(
        IQdrantClient shard, string collection, IReadOnlyList<PointId> ids, string[] fields, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        var page = await shard.ScrollAsync(collection, new ScrollRequest
        {
            Filter = Qdrant.Filters.Filter.All(Qdrant.Filters.Conditions.HasId(ids)),
            Limit = (ulong)ids.Count,
            WithPayload = PayloadSelector.Fields(fields),
            WithVector = false,
        }, cancellationToken);
        Debug.Assert(page.NextPageOffset is null, "a has_id scroll limited to the id count returns every match in one page");
        return page.Points;
    }
}
