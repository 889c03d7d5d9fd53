using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;

namespace RagOperator.Operator.Migration;

/// <summary>
/// The verify step of a re-partition, for one source shard. The points that belonged to the source in the old
/// partition are those whose <c>_rag_cell</c> (not yet re-stamped) or <c>_rag_prev_cell</c> (re-stamped) is one of its old
/// keys; each re-stamped one names its new owner by its <c>_rag_cell</c>. Walked in id windows like
/// <see cref="CellVerifier"/>: every other new owner is scanned first for the points it holds from this source (previous
/// key of the source, new key of its own), then the source; the window ends at the lowest next-page offset. Differences
/// are read again after growing pauses (<see cref="SecondLook"/>); those that persist are repaired:
/// <list type="bullet">
/// <item>on the source but not re-stamped → copied and re-stamped as the copier does (<see cref="RepartitionCopier"/>);</item>
/// <item>missing or older on its new owner → copied there (guarded upsert);</item>
/// <item>newer on its new owner than on the source (a write that reached only the new owner) → copied back to the
/// source, <c>update_only</c>;</item>
/// <item>on a new owner but no longer this source's point for that owner (deleted, or rewritten elsewhere since) →
/// deleted there while it still holds the version seen (<see cref="MigrationFilters.StillAt"/>).</item>
/// </list>
/// A window with nothing to repair is clean; passes repeat until one pass over every source is.
/// </summary>
public sealed class RepartitionVerifier(
    int sourceShard, Func<int, IQdrantClient> shards, string collection, RoutingTable from, RoutingTable to,
    int windowSize = 512, TimeSpan settle = default, TimeProvider? time = null) : IMoveVerifier
{
    private static readonly WriteOptions UpdateOnly = new() { UpdateMode = UpsertMode.UpdateOnly };
    private readonly IQdrantClient source = shards(sourceShard);
    private readonly CellSet oldCells = from.OldAssignment().CellsOf(sourceShard);
    private readonly IReadOnlyDictionary<int, int> newOwner = RepartitionCopier.Owners(to);
    private readonly List<int> targets = [.. to.OldAssignment().Shards.Where(kv => kv.Key != sourceShard && !kv.Value.IsEmpty).Select(kv => kv.Key)];

    private Filter OwnedBefore => Filter.Any(
        new FilterCondition(MigrationFilters.Cells(oldCells, from.Assigner.KeyOffset)),
        new FilterCondition(MigrationFilters.Cells(oldCells, from.Assigner.KeyOffset, PayloadFields.PreviousCell)));

    private Filter OnTarget(int target) => MigrationFilters.Cells(oldCells, from.Assigner.KeyOffset, PayloadFields.PreviousCell)
        .And(MigrationFilters.Cells(to.OldAssignment().CellsOf(target), to.Assigner.KeyOffset));

    public async Task<VerifyWindow> VerifyWindowAsync(PointId? from, bool passClean, CancellationToken cancellationToken)
    {
        var targetPages = new Dictionary<int, ScrollResult>();
        foreach (var target in targets) targetPages[target] = await ScanAsync(shards(target), OnTarget(target), from, cancellationToken);
        var sourcePage = await ScanAsync(source, OwnedBefore, from, cancellationToken);
        // A scan that reached its end bounds nothing; the others end the window at the lowest next offset.
        var open = targetPages.Values.Select(p => p.NextPageOffset).Append(sourcePage.NextPageOffset).OfType<PointId>().ToList();
        PointId? end = open.Count == 0 ? null : open.Aggregate((x, y) => x < y ? x : y);
        var onSource = States(sourcePage, end);
        var onTargets = targetPages.ToDictionary(kv => kv.Key, kv => Versions(kv.Value, end));
        var suspects = Suspects(onSource, onTargets).Order().ToList();
        var compared = onSource.Count + onTargets.Values.Sum(t => t.Count);
        if (suspects.Count == 0) return new VerifyWindow(compared, [], end);

        var targetsNow = new Dictionary<int, Dictionary<PointId, long?>>();
        var sourceNow = new Dictionary<PointId, SourceState>();
        var persistent = await SecondLook.PersistentAsync(suspects, settle, SecondLook.LooksFor(passClean), time ?? TimeProvider.System, async (ids, ct) =>
        {
            foreach (var target in targets) targetsNow[target] = await ReadStatesOnTargetAsync(target, ids, ct);
            sourceNow = await ReadStatesAsync(source, ids, ct);
            return [.. Suspects(sourceNow, targetsNow).Order()];
        }, cancellationToken);
        var repairs = await RepairAsync(persistent, sourceNow, targetsNow, cancellationToken);
        return new VerifyWindow(compared, repairs, end);
    }

    /// <summary>Ids whose copies disagree: not re-stamped on the source, missing or different on the new owner, or held by a shard that is not their new owner.</summary>
    private HashSet<PointId> Suspects(Dictionary<PointId, SourceState> onSource, Dictionary<int, Dictionary<PointId, long?>> onTargets)
    {
        var suspects = new HashSet<PointId>();
        foreach (var (id, state) in onSource)
        {
            if (state.Owner is not { } owner) suspects.Add(id);
            else if (owner != sourceShard && (!onTargets.TryGetValue(owner, out var copies) || !copies.TryGetValue(id, out var version) || version != state.Version)) suspects.Add(id);
        }

        foreach (var (target, copies) in onTargets)
        {
            foreach (var id in copies.Keys)
            {
                if (!onSource.TryGetValue(id, out var state) || state.Owner != target) suspects.Add(id);
            }
        }

        return suspects;
    }

    private async Task<IReadOnlyList<Repair>> RepairAsync(
        List<PointId> suspects, Dictionary<PointId, SourceState> sourceNow, Dictionary<int, Dictionary<PointId, long?>> targetsNow, CancellationToken cancellationToken)
    {
        var repairs = new List<Repair>();
        var restamp = new List<PointId>();
        var toTarget = new Dictionary<int, List<(PointId Id, long? Seen)>>();
        var toSource = new List<(PointId Id, int Owner, long? Seen)>();
        foreach (var id in suspects)
        {
            sourceNow.TryGetValue(id, out var state);
            if (state is { Owner: null })
            {
                restamp.Add(id);
                repairs.Add(new Repair(id, RepairKind.CopiedToTarget, state.Version, null));
            }
            else if (state is { Owner: { } owner } && owner != sourceShard)
            {
                var present = targetsNow[owner].TryGetValue(id, out var targetVersion);
                if (!present || CellCopier.IsNewer(state.Version, targetVersion))
                {
                    (toTarget.TryGetValue(owner, out var list) ? list : toTarget[owner] = []).Add((id, present ? targetVersion : null));
                    repairs.Add(new Repair(id, RepairKind.CopiedToTarget, state.Version, present ? targetVersion : null));
                }
                else if (targetVersion != state.Version)
                {
                    toSource.Add((id, owner, state.Version));
                    repairs.Add(new Repair(id, RepairKind.CopiedToSource, state.Version, targetVersion));
                }
            }

            foreach (var (target, copies) in targetsNow)
            {
                if (copies.TryGetValue(id, out var version) && (state is null || state.Owner != target))
                {
                    await shards(target).DeleteByFilterAsync(collection, MigrationFilters.StillAt(id, version), WriteOptions.Default, cancellationToken);
                    repairs.Add(new Repair(id, RepairKind.DeletedFromTarget, state?.Version, version));
                }
            }
        }

        if (restamp.Count > 0)
        {
            // The copier's own batch logic: copy to the new owner, then re-stamp on the source (a point gone since is skipped).
            var points = await source.RetrieveAsync(collection, restamp, withPayload: true, withVector: true, cancellationToken);
            var stillOld = points.Where(p => p.Vector is not null && Owner(p.Payload) < 0).ToList();
            await new RepartitionCopier(sourceShard, shards, collection, from, to).WriteBatchAsync(stillOld, cancellationToken);
        }

        foreach (var (owner, list) in toTarget)
        {
            var points = await source.RetrieveAsync(collection, [.. list.Select(l => l.Id)], withPayload: true, withVector: true, cancellationToken);
            var seen = list.ToDictionary(l => l.Id, l => l.Seen);
            var writes = points.Where(p => p.Vector is not null && Owner(p.Payload) == owner).Select(p => new PointStruct(p.Id, p.Vector!, p.Payload)).ToList();
            if (writes.Count == 0) continue;
            await shards(owner).UpsertAsync(collection, writes, WriteOptions.Default, MigrationFilters.UnchangedSince(writes.Select(w => (w.Id, seen[w.Id]))), cancellationToken);
        }

        foreach (var group in toSource.GroupBy(t => t.Owner))
        {
            var points = await shards(group.Key).RetrieveAsync(collection, [.. group.Select(g => g.Id)], withPayload: true, withVector: true, cancellationToken);
            var seen = group.ToDictionary(g => g.Id, g => g.Seen);
            // Only while the copy is still this source's point for that owner (a rewrite may have moved it since).
            var writes = points.Where(p => p.Vector is not null && Owner(p.Payload) == group.Key && IsSourcePrevious(p.Payload))
                .Select(p => new PointStruct(p.Id, p.Vector!, p.Payload)).ToList();
            if (writes.Count == 0) continue;
            await source.UpsertAsync(collection, writes, UpdateOnly, MigrationFilters.UnchangedSince(writes.Select(w => (w.Id, seen[w.Id]))), cancellationToken);
        }

        return repairs;
    }

    /// <summary>The state of a source point: its version, and its new owner once re-stamped (null while it carries an old key).</summary>
    private sealed record SourceState(long? Version, int? Owner);

    private Dictionary<PointId, SourceState> States(ScrollResult page, PointId? end)
    {
        var states = new Dictionary<PointId, SourceState>();
        foreach (var point in page.Points.Where(p => end is not { } limit || p.Id < limit))
        {
            states[point.Id] = StateOf(point.Payload);
        }

        return states;
    }

    private SourceState StateOf(System.Text.Json.Nodes.JsonObject? payload) =>
        new(MigrationFilters.VersionOf(payload), Owner(payload) is var owner and >= 0 ? owner : null);

    /// <summary>The new owner named by a re-stamped point's <c>_rag_cell</c>; -1 when the key is none of the new partition's.</summary>
    private int Owner(System.Text.Json.Nodes.JsonObject? payload)
    {
        var key = CellKey(payload);
        var offset = to.Assigner.KeyOffset;
        return key is { } k && k >= offset && k < offset + to.Assigner.CellCount ? newOwner[(int)(k - offset)] : -1;
    }

    private bool IsSourcePrevious(System.Text.Json.Nodes.JsonObject? payload) =>
        payload?[PayloadFields.PreviousCell] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<long>(out var key)
        && key - from.Assigner.KeyOffset is var cell and >= 0 and < int.MaxValue && oldCells.Contains((int)cell);

    private static long? CellKey(System.Text.Json.Nodes.JsonObject? payload) =>
        payload?[PayloadFields.Cell] is System.Text.Json.Nodes.JsonValue value && value.TryGetValue<long>(out var key) ? key : null;

    private async Task<Dictionary<PointId, SourceState>> ReadStatesAsync(IQdrantClient shard, IReadOnlyList<PointId> ids, CancellationToken cancellationToken)
    {
        var page = await shard.ScrollAsync(collection, new ScrollRequest
        {
            Filter = Filter.All(Conditions.HasId(ids), new FilterCondition(OwnedBefore)),
            Limit = (ulong)ids.Count,
            WithPayload = PayloadSelector.Fields(PayloadFields.Version, PayloadFields.Cell),
            WithVector = false,
        }, cancellationToken);
        return page.Points.ToDictionary(p => p.Id, p => StateOf(p.Payload));
    }

    private async Task<Dictionary<PointId, long?>> ReadStatesOnTargetAsync(int target, IReadOnlyList<PointId> ids, CancellationToken cancellationToken)
    {
        var page = await shards(target).ScrollAsync(collection, new ScrollRequest
        {
            Filter = Filter.All(Conditions.HasId(ids), new FilterCondition(OnTarget(target))),
            Limit = (ulong)ids.Count,
            WithPayload = PayloadSelector.Fields(PayloadFields.Version),
            WithVector = false,
        }, cancellationToken);
        return page.Points.ToDictionary(p => p.Id, p => MigrationFilters.VersionOf(p.Payload));
    }

    private Task<ScrollResult> ScanAsync(IQdrantClient shard, Filter filter, PointId? from, CancellationToken cancellationToken) =>
        shard.ScrollAsync(collection, new ScrollRequest
        {
            Filter = filter,
            Limit = (ulong)windowSize,
            Offset = from,
            WithPayload = PayloadSelector.Fields(PayloadFields.Version, PayloadFields.Cell),
            WithVector = false,
        }, cancellationToken);

    private static Dictionary<PointId, long?> Versions(ScrollResult page, PointId? end) =>
        page.Points.Where(p => end is not { } limit || p.Id < limit).ToDictionary(p => p.Id, p => MigrationFilters.VersionOf(p.Payload));
}
