using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>How a verify pass repaired one difference.</summary>
public enum RepairKind
{
    /// <summary>Missing or older on the target: the source's copy was written to the target.</summary>
    CopiedToTarget,

    /// <summary>On the target but not on the source (deleted during the copy): deleted from the target.</summary>
    DeletedFromTarget,

    /// <summary>Newer on the target than on the source (a write that reached only the target): copied to the source.</summary>
    CopiedToSource,
}

/// <summary>One difference a verify window found and repaired; versions are null where the point was absent.</summary>
public sealed record Repair(PointId Id, RepairKind Kind, long? SourceVersion, long? TargetVersion);

/// <summary>The outcome of one verify window: the points compared, the repairs, and where the next window starts.</summary>
public sealed record VerifyWindow(int Compared, IReadOnlyList<Repair> Repairs, PointId? NextOffset)
{
    public bool Finished => NextOffset is null;
}

/// <summary>
/// Compares the points of some cells on the source and the target by id and write version (no vectors) and repairs
/// what differs (step 4 of the protocol). The cells are walked in id order in windows:
/// <list type="number">
/// <item>scroll the target, then the source, from the same offset with the same cell filter (ids and <c>_rag_v</c>
/// only). The window ends at the lower of the two next-page offsets, so both sides are complete up to there; the
/// rest is read again by the next window. The target is read first: a router write (which goes to both) that lands
/// between the two reads is then seen on the source, never only on the target, so the race looks like "target
/// older", whose repair is a guarded no-op, rather than "only on the target", whose repair is a delete.</item>
/// <item>every id whose versions differ is read again (target, then source) with <c>has_id</c>, after growing pauses
/// (<see cref="SecondLook"/>), so that a write or delete that was merely in flight — the router sends it to both owners
/// at once, but one may apply it a little later — is not counted; what differs at every look is a difference. The
/// pauses only make clean passes likelier under load; correctness never depends on them.</item>
/// <item>repair: missing or older on the target → copy from the source (guarded upsert, see
/// <see cref="MigrationFilters.UnchangedSince"/>); on the target but not on the source → delete from the target with
/// <c>has_id</c> AND <c>_rag_v</c> still the version seen (<see cref="MigrationFilters.StillAt"/>), so a concurrent newer
/// write is never deleted; newer on the target than on the source (a write that reached only the target and was not
/// acknowledged) → copy it to the source, guarded the same way and with <c>update_mode: update_only</c>.</item>
/// </list>
/// Why the asymmetry: the source is authoritative until the cut-over, the target is not. A guarded upsert still
/// inserts a point that a router deleted in the meantime. On the target such a resurrection is harmless — the next pass
/// sees it on the target only and deletes it — but on the source it would be taken for a real point and copied back,
/// so writes to the source only ever update a point that is still there.
/// A pass over every move with no difference is clean; passes repeat until one is.
/// </summary>
public sealed class CellVerifier(
    IQdrantClient source, IQdrantClient target, string collection, CellSet cells, int windowSize = 512, TimeSpan settle = default,
    TimeProvider? time = null, long keyOffset = 0) : IMoveVerifier
{
    private readonly Qdrant.Filters.Filter cellFilter = MigrationFilters.Cells(cells, keyOffset);

    public CellSet Cells => cells;

    /// <summary>Verifies and repairs the window starting at <paramref name="from"/> (null: the first point).</summary>
    public async Task<VerifyWindow> VerifyWindowAsync(PointId? from, bool passClean, CancellationToken cancellationToken)
    {
        var onTarget = await ScanAsync(target, from, cancellationToken);
        var onSource = await ScanAsync(source, from, cancellationToken);
        var end = Lower(onTarget.NextPageOffset, onSource.NextPageOffset);
        var targetVersions = Versions(onTarget, end);
        var sourceVersions = Versions(onSource, end);

        var suspects = targetVersions.Keys.Union(sourceVersions.Keys)
            .Where(id => Differs(sourceVersions, targetVersions, id))
            .Order()
            .ToList();
        var compared = targetVersions.Keys.Union(sourceVersions.Keys).Count();
        if (suspects.Count == 0) return new VerifyWindow(compared, [], end);

        // Looks again at the suspects only: most scroll-time differences are writes that were in flight. These reads are
        // by id, so they also see a copy that has left the moving cells.
        var targetNow = new Dictionary<PointId, Copy>();
        var sourceNow = new Dictionary<PointId, Copy>();
        var persistent = await SecondLook.PersistentAsync(suspects, settle, SecondLook.LooksFor(passClean), time ?? TimeProvider.System, async (ids, ct) =>
        {
            targetNow = await ReadCopiesAsync(target, ids, ct);
            sourceNow = await ReadCopiesAsync(source, ids, ct);
            return [.. ids.Where(id => Classify(id, sourceNow, targetNow) is not null)];
        }, cancellationToken);
        var repairs = persistent.Select(id => Classify(id, sourceNow, targetNow)).OfType<Repair>().ToList();
        await RepairAsync(repairs, cancellationToken);
        return new VerifyWindow(compared, repairs, end);
    }

    private async Task RepairAsync(IReadOnlyList<Repair> repairs, CancellationToken cancellationToken)
    {
        var toTarget = repairs.Where(r => r.Kind == RepairKind.CopiedToTarget).ToList();
        var toSource = repairs.Where(r => r.Kind == RepairKind.CopiedToSource).ToList();
        await CopyAsync(source, target, toTarget, r => r.TargetVersion, WriteOptions.Default, cancellationToken);

        // Update only: the source holds an older copy; if a router deleted the point since, it must stay deleted. (An
        // insert here would resurrect it on the source, and the next pass would copy it back to the target.)
        await CopyAsync(target, source, toSource, r => r.SourceVersion, UpdateOnly, cancellationToken);
        foreach (var repair in repairs.Where(r => r.Kind == RepairKind.DeletedFromTarget))
        {
            await target.DeleteByFilterAsync(collection, MigrationFilters.StillAt(repair.Id, repair.TargetVersion), WriteOptions.Default, cancellationToken);
        }
    }

    private static readonly WriteOptions UpdateOnly = new() { UpdateMode = UpsertMode.UpdateOnly };

    private async Task CopyAsync(
        IQdrantClient from, IQdrantClient to, IReadOnlyList<Repair> repairs, Func<Repair, long?> seenOnDestination, WriteOptions mode,
        CancellationToken cancellationToken)
    {
        if (repairs.Count == 0) return;
        var points = await from.RetrieveAsync(collection, [.. repairs.Select(r => r.Id)], withPayload: true, withVector: true, cancellationToken);
        var seen = repairs.ToDictionary(r => r.Id, seenOnDestination);

        // A point the source lost since the second look is left alone: the next pass sees the new state. So is one whose
        // cell changed since (semantic cells follow the vector): copied, it would sit outside the cells this move checks.
        var writes = points.Where(p => p.Vector is not null && InCells(p.Payload)).Select(p => new PointStruct(p.Id, p.Vector!, p.Payload)).ToList();
        if (writes.Count == 0) return;
        await to.UpsertAsync(collection, writes, mode,
            MigrationFilters.UnchangedSince(writes.Select(w => (w.Id, seen[w.Id]))), cancellationToken);
    }

    private bool InCells(System.Text.Json.Nodes.JsonObject? payload) =>
        payload?[PayloadFields.Cell] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<long>(out var key)
        && key - keyOffset is var cell and >= 0 and < int.MaxValue && cells.Contains((int)cell);

    private Task<ScrollResult> ScanAsync(IQdrantClient shard, PointId? from, CancellationToken cancellationToken) =>
        shard.ScrollAsync(collection, new ScrollRequest
        {
            Filter = cellFilter,
            Limit = (ulong)windowSize,
            Offset = from,
            WithPayload = PayloadSelector.Fields(PayloadFields.Version),
            WithVector = false,
        }, cancellationToken);

    private static Dictionary<PointId, long?> Versions(ScrollResult page, PointId? end) =>
        page.Points.Where(p => end is not { } limit || p.Id < limit).ToDictionary(p => p.Id, p => MigrationFilters.VersionOf(p.Payload));

    private static PointId? Lower(PointId? a, PointId? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        ({ } x, { } y) => x < y ? x : y,
    };

    private static bool Differs(Dictionary<PointId, long?> onSource, Dictionary<PointId, long?> onTarget, PointId id)
    {
        var inSource = onSource.TryGetValue(id, out var s);
        var inTarget = onTarget.TryGetValue(id, out var t);
        return inSource != inTarget || s != t;
    }

    /// <summary>A shard's copy of a point: its write version, and whether its cell is one this move checks.</summary>
    private readonly record struct Copy(long? Version, bool InCells);

    private async Task<Dictionary<PointId, Copy>> ReadCopiesAsync(IQdrantClient shard, IReadOnlyList<PointId> ids, CancellationToken cancellationToken) =>
        (await CellCopier.ReadByIdAsync(shard, collection, ids, [PayloadFields.Version, PayloadFields.Cell], cancellationToken))
            .ToDictionary(p => p.Id, p => new Copy(MigrationFilters.VersionOf(p.Payload), InCells(p.Payload)));

    /// <summary>
    /// What to repair for a point, null when nothing. The moving cells are compared, but a point of a semantic table
    /// follows its vector, so a newer copy may sit outside them (an update moved it to another cell, and the write did not
    /// reach every shard, so it was not acknowledged). The newest copy wins: an older copy inside the cells on the target
    /// is deleted there, and one on the source is left to the clean-up, which deletes the moved cells from the source.
    /// </summary>
    private static Repair? Classify(PointId id, Dictionary<PointId, Copy> onSource, Dictionary<PointId, Copy> onTarget)
    {
        var inSource = onSource.TryGetValue(id, out var s);
        var inTarget = onTarget.TryGetValue(id, out var t);
        var sourceHere = inSource && s.InCells;
        var targetHere = inTarget && t.InCells;
        RepairKind? kind = (sourceHere, targetHere) switch
        {
            (false, false) => null,
            (true, true) when s.Version == t.Version => null,
            (true, true) => CellCopier.IsNewer(s.Version, t.Version) ? RepairKind.CopiedToTarget : RepairKind.CopiedToSource,
            (true, false) => !inTarget || CellCopier.IsNewer(s.Version, t.Version) ? RepairKind.CopiedToTarget : null,
            (false, true) => !inSource || CellCopier.IsNewer(s.Version, t.Version) ? RepairKind.DeletedFromTarget : RepairKind.CopiedToSource,
        };
        return kind is { } repair ? new Repair(id, repair, inSource ? s.Version : null, inTarget ? t.Version : null) : null;
    }
}
