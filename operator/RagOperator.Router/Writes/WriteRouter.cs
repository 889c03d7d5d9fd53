using System.Diagnostics;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Filters;
using RagOperator.Qdrant.Models;
using RagOperator.Router.Api;
using RagOperator.Router.Search;
using RagOperator.Router.Shards;
using RagOperator.Router.Telemetry;
using RagOperator.Routing;

namespace RagOperator.Router.Writes;

/// <summary>A shard that did not acknowledge its part of a write; <paramref name="Shed"/> when the router's concurrency
/// limit for the shard turned it away before it was sent.</summary>
public sealed record WriteFailure(int ShardId, string Endpoint, string Reason, bool Shed = false);

/// <summary>The result of a routed write: how many points (or ids), the shards written, and those that failed.</summary>
public sealed record WriteOutcome(int Count, IReadOnlyList<int> Shards, IReadOnlyList<WriteFailure> Failures, long RoutingVersion)
{
    public bool Acknowledged => Failures.Count == 0;
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

    private async Task<IReadOnlyList<WriteFailure>> SendAsync<T>(
        RoutingTable table, SortedDictionary<int, List<T>> groups, string operation,
        Func<IQdrantClient, IReadOnlyList<T>, CancellationToken, Task<UpdateResult>> send)
    {
        // Not tied to the client's connection: once sent, a write runs to its end even if the client disconnects,
        // so the router never stops halfway between the targets of one point by its own choice. (A shard whose
        // breaker is open, or whose concurrency limit sheds the call, is not sent its part; the write is then not
        // acknowledged, and its retry is safe, as for any failed write.)
        var results = await Task.WhenAll(groups.Select(async group =>
        {
            var shard = table.Shard(group.Key);
            var started = Stopwatch.GetTimestamp();
            var outcome = "success";
            var guard = clients.GuardFor(shard.Id, shard.Endpoint);
            try
            {
                var client = clients.For(shard.Id, shard.Endpoint);
                var result = await guard.WriteAsync(token => send(client, group.Value, token), timeout, CancellationToken.None);
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
