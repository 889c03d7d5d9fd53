using System.Diagnostics;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Grpc;
using RagOperator.Qdrant.Models;
using RagOperator.Router.Api;
using RagOperator.Router.Search;
using RagOperator.Router.Shards;
using RagOperator.Router.Telemetry;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.Writes;

/// <summary>A shard that did not acknowledge its part of a write; <paramref name="Shed"/> when the router's concurrency
/// limit for the shard turned it away before it was sent.</summary>
public sealed record WriteFailure(int ShardId, string Endpoint, string Reason, bool Shed = false);

/// <summary>The result of a routed write: how many points (or ids), the shards written, and those that failed.</summary>
public sealed record WriteOutcome(int Count, IReadOnlyList<int> Shards, IReadOnlyList<WriteFailure> Failures, long RoutingVersion)
{
    public bool Acknowledged => Failures.Count == 0;

    /// <summary>Throws the error a client gets for a write that was not acknowledged: 429 when every failed shard was shed, else 503.</summary>
    public void ThrowUnlessAcknowledged(string what)
    {
        if (Acknowledged)
        {
            return;
        }

        var failed = string.Join("; ", Failures.Select(f => $"shard {f.ShardId} ({f.Endpoint}): {f.Reason}"));
        var shed = Failures.All(f => f.Shed);
        throw new RouterRequestException(new RouterError(
            shed ? 429 : 503,
            shed ? ErrorKinds.Overloaded : ErrorKinds.ShardUnavailable,
            $"{what} not acknowledged: {failed}. Other shards may have applied it; retrying the same request is safe (writes are idempotent)",
            null,
            [.. Failures.Select(f => f.ShardId)]));
    }
}

/// <summary>
/// Routes upserts and deletes by cell. Each point gets its cell and a write version from the router's hybrid
/// logical clock, stamped into the payload as <c>_rag_cell</c> and <c>_rag_v</c>; the points are grouped by the
/// write targets of their cell (both owners of a moving cell under the write-both rules) and sent to every
/// target in parallel with <c>wait=true</c>. The write is acknowledged only when every target acknowledged.
/// <para>An upsert is acknowledged only after commit wait (<see cref="HybridLogicalClock.WaitUntilOrderedAsync"/>), so a
/// later write of the same point through any router replica carries a higher version: the copier and the verify pass
/// of a migration tell the newer copy by its version.</para>
/// <para>A failed write may have reached some targets; retrying the same request is safe, because an upsert
/// replaces the point whole and a retry stamps a newer version, and deleting a missing point is a no-op.</para>
/// <para>Deletes go to every write target too, so during a migration both owners lose the point. The copier never
/// writes a point older than the one the target holds, and the verify pass deletes from the target what the
/// source no longer has, so a point deleted during a copy is not resurrected.</para>
/// <para><b>Semantic tables</b> (a point's cell depends on its vector, <see cref="RoutingTable.CellDependsOnVector"/>):
/// an update may move a point to a cell on another shard, and the router does not know where the previous version
/// lives. So every upsert also deletes the same ids from every shard that is not a write target, guarded by
/// <c>_rag_v &lt; the new version</c> (a delete by filter), which removes the old copy wherever it is and can never
/// remove a newer write of another router. The upsert is acknowledged only when those deletes are too. A delete by id
/// goes to every shard. During a re-partition the points are stamped for the next partition
/// (<see cref="PointRoute"/>: <c>_rag_cell</c> new key, <c>_rag_prev_cell</c> old key).</para>
/// </summary>
public sealed class WriteRouter(ShardClients clients, HybridLogicalClock clock, RouterMetrics metrics, TimeSpan timeout)
{
    private static readonly WriteOptions WaitForApply = new() { Wait = true };

    public async Task<WriteOutcome> UpsertAsync(RoutingTable table, IReadOnlyList<WritePoint> points)
    {
        var groups = new SortedDictionary<int, List<PointStruct>>();
        var elsewhere = new SortedDictionary<int, List<(PointId Id, long Version)>>();
        var moving = table.CellDependsOnVector;
        var newest = 0L;
        foreach (var point in points)
        {
            var route = table.Route(point.Id, point.Vector);
            var version = newest = clock.Next();
            var id = ToPointId(point.Id);
            foreach (var target in route.Targets)
            {
                // Every target gets its own payload object: JSON nodes are not safe to serialise from two threads.
                var payload = point.Payload?.DeepClone().AsObject() ?? [];
                payload[PayloadFields.Cell] = route.CellKey;
                if (route.PreviousCellKey is { } previous) payload[PayloadFields.PreviousCell] = previous;
                payload[PayloadFields.Version] = version;
                Group(groups, target).Add(new PointStruct(id, point.Vector, payload));
            }

            if (moving)
            {
                foreach (var shard in table.Shards.Where(s => !route.Targets.Contains(s.Id)))
                {
                    Group(elsewhere, shard.Id).Add((id, version));
                }
            }
        }

        var upserts = SendAsync(table, groups, "upsert", (client, batch, token) =>
            client.UpsertAsync(table.Collection, batch, WaitForApply, cancellationToken: token));
        var removals = SendAsync(table, elsewhere, "delete", (client, batch, token) =>
            client.DeleteByFilterAsync(table.Collection, OlderCopies(batch), WaitForApply, token));
        var failures = (await upserts).Concat(await removals).ToList();
        if (failures.Count == 0 && newest > 0) await clock.WaitUntilOrderedAsync(newest);
        return new WriteOutcome(points.Count, [.. groups.Keys], failures, table.Version);
    }

    /// <summary>
    /// The copies of these points older than the version being written: <c>has_id</c> AND <c>_rag_v &lt; version</c>
    /// per point. Qdrant compares the range in 64-bit floats; rounding is monotonic, so a newer copy never matches.
    /// </summary>
    internal static Filter OlderCopies(IReadOnlyList<(PointId Id, long Version)> points) =>
        Filter.Any([.. points.Select(p => (Condition)new FilterCondition(Filter.All(
            Conditions.HasId([p.Id]),
            Conditions.Range(PayloadFields.Version, lt: p.Version))))]);

    public async Task<WriteOutcome> DeleteAsync(RoutingTable table, IReadOnlyList<PointKey> ids)
    {
        var groups = new SortedDictionary<int, List<PointId>>();
        foreach (var id in ids)
        {
            // A strategy whose cells depend on the vector cannot place an id alone: delete it everywhere.
            var targets = table.CellDependsOnVector
                ? table.Shards.Select(s => s.Id)
                : table.WriteTargets(table.CellOf(id));
            foreach (var target in targets)
            {
                Group(groups, target).Add(ToPointId(id));
            }
        }

        var failures = await SendAsync(table, groups, "delete", (client, batch, token) =>
            client.DeleteAsync(table.Collection, batch, WaitForApply, cancellationToken: token));
        return new WriteOutcome(ids.Count, [.. groups.Keys], failures, table.Version);
    }

    internal static PointId ToPointId(PointKey key) => key.IsInteger ? PointId.FromNumber(key.AsUlong) : PointId.FromUuid(key.AsGuid);

    private static List<T> Group<T>(SortedDictionary<int, List<T>> groups, int shard)
    {
        if (!groups.TryGetValue(shard, out var list))
        {
            groups[shard] = list = [];
        }

        return list;
    }

    /// <summary>
    /// Payload changes from Qdrant's API (<c>set_payload</c>, or <c>delete_payload</c> when <paramref name="deleteKeys"/>
    /// is given), sent to every write target of the selected points, stamped with a new write version.
    /// <para>The version is what keeps the change through a migration: a copy of the point taken before it is older, so
    /// the copier does not write it over the changed point, and the verify pass repairs a target that got the older copy
    /// because the change found no point there yet. A delete of keys cannot stamp the version in the same call, so the
    /// keys are deleted first and the version set after; the change is acknowledged only when both are.</para>
    /// <para>Points chosen by id go as a <c>has_id</c> filter, so a target that does not hold a point yet is not an
    /// error. Ids go to the targets of their cells, a filter to every shard. Callers refuse it where the cell depends on
    /// the vector (<see cref="RoutingTable.CellDependsOnVector"/>): see <c>QdrantWrites</c>.</para>
    /// </summary>
    public async Task<WriteOutcome> ChangePayloadAsync(
        RoutingTable table, G.PointsSelector selector, G.SetPayloadPoints? set, G.DeletePayloadPoints? deleteKeys)
    {
        var ids = selector.PointsSelectorOneOfCase == G.PointsSelector.PointsSelectorOneOfOneofCase.Points
            ? selector.Points.Ids.Select(QdrantApi.QdrantIds.Key).ToList()
            : null;
        var filter = ids is null
            ? selector.Filter
            : new G.Filter { Must = { new G.Condition { HasId = new G.HasIdCondition { HasId = { ids.Select(QdrantApi.QdrantIds.ToGrpc) } } } } };
        if (table.CellDependsOnVector)
        {
            throw new InvalidOperationException("payload changes in place need points placed by id; refuse them on semantic tables");
        }

        var targets = ids is null
            ? table.Shards.Select(s => s.Id).ToList()
            : ids.SelectMany(id => table.WriteTargets(table.CellOf(id))).Distinct().Order().ToList();
        var version = clock.Next();
        var stamp = new G.SetPayloadPoints { CollectionName = table.Collection, Wait = true, PointsSelector = new G.PointsSelector { Filter = filter } };
        if (set is not null)
        {
            stamp.Payload.Add(set.Payload);
        }

        stamp.Payload[PayloadFields.Version] = new G.Value { IntegerValue = version };
        var failures = new List<WriteFailure>();
        if (deleteKeys is not null)
        {
            var delete = new G.DeletePayloadPoints { CollectionName = table.Collection, Wait = true, Keys = { deleteKeys.Keys }, PointsSelector = new G.PointsSelector { Filter = filter } };
            failures.AddRange(await SendToAsync(table, targets, "delete_payload", async (client, token) =>
                GrpcMapping.FromGrpc((await client.DeletePayloadAsync(delete, token)).Result)));
        }

        if (failures.Count == 0)
        {
            failures.AddRange(await SendToAsync(table, targets, "set_payload", async (client, token) =>
                GrpcMapping.FromGrpc((await client.SetPayloadAsync(stamp, token)).Result)));
        }

        if (failures.Count == 0) await clock.WaitUntilOrderedAsync(version);
        return new WriteOutcome(ids?.Count ?? 0, targets, failures, table.Version);
    }

    /// <summary>Deletes the points matching <paramref name="filter"/> from every shard (any shard may hold a match).</summary>
    public async Task<WriteOutcome> DeleteWhereAsync(RoutingTable table, G.Filter filter)
    {
        var delete = new G.DeletePoints { CollectionName = table.Collection, Wait = true, Points = new G.PointsSelector { Filter = filter } };
        var targets = table.Shards.Select(s => s.Id).ToList();
        var failures = await SendToAsync(table, targets, "delete", async (client, token) => GrpcMapping.FromGrpc((await client.DeleteAsync(delete, token)).Result));
        return new WriteOutcome(0, targets, failures, table.Version);
    }

    private Task<IReadOnlyList<WriteFailure>> SendAsync<T>(
        RoutingTable table, SortedDictionary<int, List<T>> groups, string operation,
        Func<IQdrantClient, IReadOnlyList<T>, CancellationToken, Task<UpdateResult>> send) =>
        SendToAsync(table, groups.Keys, operation, (client, shard, token) => send(client, groups[shard], token));

    private Task<IReadOnlyList<WriteFailure>> SendToAsync(
        RoutingTable table, IEnumerable<int> shards, string operation, Func<IQdrantClient, CancellationToken, Task<UpdateResult>> send) =>
        SendToAsync(table, shards, operation, (client, _, token) => send(client, token));

    private async Task<IReadOnlyList<WriteFailure>> SendToAsync(
        RoutingTable table, IEnumerable<int> shards, string operation, Func<IQdrantClient, int, CancellationToken, Task<UpdateResult>> send)
    {
        // Not tied to the client's connection: once sent, a write runs to its end even if the client disconnects,
        // so the router never stops halfway between the targets of one point by its own choice. (A shard whose
        // breaker is open, or whose concurrency limit sheds the call, is not sent its part; the write is then not
        // acknowledged, and its retry is safe, as for any failed write.)
        var results = await Task.WhenAll(shards.Select(async shardId =>
        {
            var shard = table.Shard(shardId);
            var started = Stopwatch.GetTimestamp();
            var outcome = "success";
            var guard = clients.GuardFor(shard.Id, shard.Endpoint);
            try
            {
                var client = clients.For(shard.Id, shard.Endpoint);
                var result = await guard.WriteAsync(token => send(client, shard.Id, token), timeout, CancellationToken.None);
                if (result.Status != UpdateStatus.Completed)
                {
                    outcome = "not_completed";
                    return new WriteFailure(shard.Id, shard.Endpoint, $"the shard answered status {result.Status}, not completed");
                }

                return null;
            }
            catch (TimeoutRejectedException)
            {
                outcome = "deadline";
                return new WriteFailure(shard.Id, shard.Endpoint, $"no acknowledgement within {timeout.TotalSeconds:0.###} s");
            }
            catch (BrokenCircuitException)
            {
                outcome = "circuit_open";
                return new WriteFailure(shard.Id, shard.Endpoint, SearchFanOut.CircuitOpen(guard.WriteCircuit));
            }
            catch (RateLimiterRejectedException)
            {
                outcome = "shed";
                return new WriteFailure(shard.Id, shard.Endpoint, "the router's limit of calls running and waiting for this shard is reached (SHARD_CONCURRENCY_LIMIT, SHARD_QUEUE_LIMIT)", Shed: true);
            }
            catch (QdrantException error)
            {
                outcome = error.StatusCode is null ? "unreachable" : "error";
                return new WriteFailure(shard.Id, shard.Endpoint, SearchFanOut.Describe(error));
            }
            finally
            {
                metrics.ShardCall(shard.Id, operation, outcome, Stopwatch.GetElapsedTime(started));
            }
        }));
        return [.. results.OfType<WriteFailure>()];
    }
}
