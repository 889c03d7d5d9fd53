using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Router.Api;
using RagOperator.Router.Shards;
using RagOperator.Router.Telemetry;
using RagOperator.Routing;

namespace RagOperator.Router.Search;

/// <summary>
/// Runs searches over the shards a routing table selects: every shard of the read plan is queried in parallel
/// (all queries of a batch in one <c>query/batch</c> call per shard), each with its excluded cells filtered out,
/// through the shard's <see cref="ShardGuard"/> (deadline, breaker, concurrency limit, hedge); the shards' top-k
/// lists are merged with <see cref="TopKMerger"/> in the distance's order. A shard that is shed makes the whole
/// search a 429: answering without it under load would silently lower recall.
/// The table is the one the request captured when it started, so a routing swap never changes a search midway.
/// </summary>
public sealed class SearchFanOut(ShardClients clients, RouterMetrics metrics)
{
    public async Task<SearchOutcome> SearchAsync(RoutingTable table, SearchCall call, CancellationToken requestAborted)
    {
        var plan = PlanShards(table, call.Queries);
        metrics.FanOut(plan.Count);
        var answers = await Task.WhenAll(plan.Select(shard => QueryShardAsync(table, shard, call, requestAborted)));
        requestAborted.ThrowIfCancellationRequested();

        if (answers.FirstOrDefault(a => a.Rejection is not null)?.Rejection is { } rejection)
        {
            throw new RouterRequestException(rejection);
        }

        var results = new List<IReadOnlyList<ShardHit<JsonObject?>>>(call.Queries.Count);
        for (var q = 0; q < call.Queries.Count; q++)
        {
            var perShard = answers.Where(a => a.Failure is null && a.Hits.ContainsKey(q)).Select(a => a.Hits[q]);
            results.Add(TopKMerger.Merge(perShard, call.Queries[q].TopK, table.Distance));
        }

        var missing = answers.Where(a => a.Failure is not null).Select(a => a.Failure!).OrderBy(f => f.ShardId).ToList();
        return new SearchOutcome(results, missing, table.Version, plan.Count);
    }

    /// <summary>For each shard to query: its read entry and the queries (by index) that must look into it.</summary>
    internal static List<ShardPlan> PlanShards(RoutingTable table, IReadOnlyList<SearchQuery> queries)
    {
        var byShard = new SortedDictionary<int, ShardPlan>();
        for (var q = 0; q < queries.Count; q++)
        {
            // nprobe picks the shards; each picked shard is searched whole (filtering it to the probed cells would
            // only lose recall, the shard query costs the same).
            var assigner = table.ReadAssigner;
            var probe = assigner.CellsToProbe(queries[q].Vector, queries[q].Nprobe);
            var reads = probe.Count == assigner.CellCount ? table.ReadPlan : table.ShardReadPlan(probe);
            foreach (var read in reads)
            {
                if (!byShard.TryGetValue(read.ShardId, out var shard))
                {
                    byShard[read.ShardId] = shard = new ShardPlan(read, []);
                }

                shard.Queries.Add(q);
            }
        }

        return [.. byShard.Values];
    }

    private async Task<ShardAnswer> QueryShardAsync(RoutingTable table, ShardPlan shard, SearchCall call, CancellationToken requestAborted)
    {
        var read = shard.Read;
        var started = Stopwatch.GetTimestamp();
        var operation = shard.Queries.Count == 1 ? "search" : "search_batch";
        var outcome = "success";
        var guard = clients.GuardFor(read.ShardId, read.Endpoint);
        try
        {
            var client = clients.For(read.ShardId, read.Endpoint);
            var requests = shard.Queries.Select(q => ToShardRequest(call.Queries[q], read)).ToList();
            var points = await guard.SearchAsync(async token => requests.Count == 1
                    ? [await client.SearchAsync(table.Collection, requests[0], token)]
                    : await client.SearchBatchAsync(table.Collection, requests, token),
                call.Timeout, requestAborted);
            var hits = new Dictionary<int, IReadOnlyList<ShardHit<JsonObject?>>>();
            for (var i = 0; i < shard.Queries.Count; i++)
            {
                hits[shard.Queries[i]] = points[i].Select(p => ToHit(p, read.ShardId)).ToList();
            }

            return new ShardAnswer(hits, null, null);
        }
        catch (TimeoutRejectedException)
        {
            outcome = "deadline";
            return Failed(read, deadlineExceeded: true, $"no answer within {call.Timeout.TotalMilliseconds:0} ms");
        }
        catch (BrokenCircuitException)
        {
            outcome = "circuit_open";
            return Failed(read, deadlineExceeded: false, CircuitOpen(guard.ReadCircuit));
        }
        catch (RateLimiterRejectedException)
        {
            outcome = "shed";
            return new ShardAnswer([], null, Overloaded(read));
        }
        catch (QdrantException error) when (ShardGuard.IsClientMistake(error))
        {
            // The shard refused the search itself (for example a filter on a field it cannot filter): the client's
            // request is at fault, not the shard, and another shard would refuse it the same way.
            outcome = "rejected";
            var field = call.Queries.Any(q => q.Filter is not null) ? "filter" : null;
            return new ShardAnswer([], null, RouterError.BadRequest($"shard {read.ShardId} rejected the search: {error.QdrantMessage}", field));
        }
        catch (QdrantException error)
        {
            outcome = error.StatusCode is null ? "unreachable" : "error";
            return Failed(read, deadlineExceeded: false, Describe(error));
        }
        finally
        {
            metrics.ShardCall(read.ShardId, operation, outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Why the router did not ask a shard whose breaker is open.</summary>
    internal static string CircuitOpen(CircuitState state) => state == CircuitState.HalfOpen
        ? "the router is probing the shard after repeated failures (circuit half-open) and sends it no other call until the probe answers"
        : "the router stopped calling the shard for a while after repeated failures or missed deadlines (circuit open)";

    /// <summary>The 429 of a shard whose concurrency limit and queue are full.</summary>
    internal static RouterError Overloaded(ShardRead read) => new(
        429,
        ErrorKinds.Overloaded,
        $"shard {read.ShardId} ({read.Endpoint}) has as many calls running and waiting as this router allows (SHARD_CONCURRENCY_LIMIT, " +
        "SHARD_QUEUE_LIMIT); nothing was done. Retry after a short pause, or add router replicas or shard capacity",
        null,
        [read.ShardId]);

    private static ShardAnswer Failed(ShardRead read, bool deadlineExceeded, string reason) =>
        new([], new ShardFailure(read.ShardId, read.Endpoint, deadlineExceeded, reason), null);

    internal static string Describe(QdrantException error) => error.StatusCode switch
    {
        null => error.QdrantMessage ?? error.Message,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
            $"the shard refused the router's credentials (HTTP {(int)error.StatusCode}); check QDRANT_API_KEY",
        HttpStatusCode.NotFound => $"the shard has no collection of this name (HTTP 404: {error.QdrantMessage})",
        var status => $"HTTP {(int)status}: {error.QdrantMessage}",
    };

    private static SearchRequest ToShardRequest(SearchQuery query, ShardRead read) => new(query.Vector, (ulong)query.TopK)
    {
        Filter = CellExclusion.Apply(query.Filter, read),
        WithPayload = query.WithPayload,
    };

    private static ShardHit<JsonObject?> ToHit(ScoredPoint point, int shard) =>
        new(ToKey(point.Id), point.Score, shard, StripRouterFields(point.Payload));

    internal static PointKey ToKey(PointId id) => id.IsUuid ? PointKey.FromGuid(id.Uuid) : PointKey.FromUlong(id.Number);

    /// <summary>The router's own fields are an implementation detail of routing; clients get their payload back as written.</summary>
    internal static JsonObject? StripRouterFields(JsonObject? payload)
    {
        payload?.Remove(PayloadFields.Cell);
        payload?.Remove(PayloadFields.PreviousCell);
        payload?.Remove(PayloadFields.Version);
        return payload;
    }

    internal sealed record ShardPlan(ShardRead Read, List<int> Queries);

    private sealed record ShardAnswer(Dictionary<int, IReadOnlyList<ShardHit<JsonObject?>>> Hits, ShardFailure? Failure, RouterError? Rejection);
}
