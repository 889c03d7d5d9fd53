using System.Collections.Immutable;
using System.Diagnostics;
using RagOperator.Router.Api;
using RagOperator.Routing;
using G = Qdrant.Client.Grpc;

namespace RagOperator.Router.QdrantApi;

/// <summary>
/// Qdrant's read calls answered over the shards of the routing table the request captured, with Qdrant's semantics:
/// <list type="bullet">
/// <item><b>search / query</b>: every shard the query probes is asked for <c>offset + limit</c> hits with the application's
/// filter, threshold and selectors; the lists are merged into the global top in the distance's order, then
/// <c>offset</c> is skipped.</item>
/// <item><b>scroll</b>: every shard is asked for <c>limit</c> points from the same offset; the merged page is the
/// lowest ids, and the next offset is the lowest id not returned (a shard's own next offset included), so pages
/// neither skip nor repeat points across shards.</item>
/// <item><b>count</b> sums the shards; <b>get</b> asks only the shards that may hold each id.</item>
/// </list>
/// Each shard is read with its read entry's routing filter (<see cref="ShardReads.Restrict"/>), so a point that is being
/// copied is read from one owner only. The router's <c>_rag_*</c> fields are removed from every payload returned.
/// Only the nearest-vector form of the query API with one unnamed dense vector is served; the others are refused
/// with a message saying so.
/// </summary>
public sealed class QdrantReads(RouterOptions options, ShardReads shards)
{
    public const int DefaultLimit = 10;

    public async Task<IReadOnlyList<G.ScoredPoint>> QueryAsync(RoutingTable table, G.QueryPoints request, int? nprobe, CancellationToken aborted)
    {
        var vector = QdrantRequests.NearestVector(request, table);
        var limit = request.HasLimit ? request.Limit : DefaultLimit;
        var offset = request.HasOffset ? request.Offset : 0;
        var wanted = QdrantRequests.ResultWindow(limit, offset);
        var plan = ReadsFor(table, vector, nprobe);
        var answers = await shards.ReadAsync(plan, "query", Deadline(request.HasTimeout ? request.Timeout : null), (client, read, token) =>
        {
            var shardRequest = request.Clone();
            shardRequest.Filter = ShardReads.Restrict(request.Filter, read);
            shardRequest.Limit = (ulong)wanted;
            shardRequest.ClearOffset();
            return client.QueryAsync(shardRequest, token);
        }, aborted);
        var hits = answers.Select((answer, i) => answer.Result.Select(p => new ShardHit<G.ScoredPoint>(QdrantIds.Key(p.Id), p.Score, plan[i].ShardId, p)));
        return [.. TopKMerger.Merge(hits, wanted, table.Distance).Skip((int)offset).Select(hit => QdrantPayloads.Strip(hit.Payload))];
    }

    /// <summary>The queries of a batch, run at once; each names the batch's collection, whatever it said itself.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<G.ScoredPoint>>> QueryBatchAsync(
        RoutingTable table, G.QueryBatchPoints batch, int? nprobe, CancellationToken aborted) =>
        await Task.WhenAll(batch.QueryPoints.Select(query =>
        {
            var one = query.Clone();
            one.CollectionName = batch.CollectionName;
            return QueryAsync(table, one, nprobe, aborted);
        }));

    /// <summary>The searches of a batch, run at once; each names the batch's collection, whatever it said itself.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<G.ScoredPoint>>> SearchBatchAsync(
        RoutingTable table, G.SearchBatchPoints batch, int? nprobe, CancellationToken aborted) =>
        await Task.WhenAll(batch.SearchPoints.Select(search =>
        {
            var one = search.Clone();
            one.CollectionName = batch.CollectionName;
            return SearchAsync(table, one, nprobe, aborted);
        }));

    /// <summary>The deprecated search call: the same as a nearest-vector query.</summary>
    public Task<IReadOnlyList<G.ScoredPoint>> SearchAsync(RoutingTable table, G.SearchPoints request, int? nprobe, CancellationToken aborted) =>
        QueryAsync(table, QdrantRequests.AsQuery(request), nprobe, aborted);

    public async Task<G.ScrollResponse> ScrollAsync(RoutingTable table, G.ScrollPoints request, CancellationToken aborted)
    {
        QdrantRequests.CheckScroll(request);
        var limit = (int)Math.Min(request.HasLimit ? request.Limit : DefaultLimit, RouterOptions.MaxScrollLimit);
        var plan = table.ReadPlan;
        var pages = await shards.ReadAsync(plan, "scroll", Deadline(request.HasTimeout ? request.Timeout : null), (client, read, token) =>
        {
            var shardRequest = request.Clone();
            shardRequest.Filter = ShardReads.Restrict(request.Filter, read);
            shardRequest.Limit = (uint)limit;
            return client.ScrollAsync(shardRequest, token);
        }, aborted);

        var merged = pages.SelectMany(page => page.Result).OrderBy(p => QdrantIds.Key(p.Id)).ToList();
        var response = new G.ScrollResponse();
        response.Result.AddRange(merged.Take(limit).Select(QdrantPayloads.Strip));
        // The first id not on this page: a merged point left over, or the next id a shard has not sent yet.
        var candidates = merged.Skip(limit).Take(1).Select(p => QdrantIds.Key(p.Id))
            .Concat(pages.Where(p => p.NextPageOffset is not null).Select(p => QdrantIds.Key(p.NextPageOffset)));
        if (candidates.Any())
        {
            response.NextPageOffset = QdrantIds.ToGrpc(candidates.Min());
        }

        return response;
    }

    public async Task<ulong> CountAsync(RoutingTable table, G.CountPoints request, CancellationToken aborted)
    {
        if (request.ShardKeySelector is not null) throw QdrantRequests.ShardKeys();
        var counts = await shards.ReadAsync(table.ReadPlan, "count", Deadline(request.HasTimeout ? request.Timeout : null), (client, read, token) =>
        {
            var shardRequest = request.Clone();
            shardRequest.Filter = ShardReads.Restrict(request.Filter, read);
            return client.CountAsync(shardRequest, token);
        }, aborted);
        return counts.Aggregate(0UL, (sum, count) => sum + count.Result.Count);
    }

    /// <summary>The points with these ids that exist, in the order asked; a repeated id is returned once.</summary>
    public async Task<IReadOnlyList<G.RetrievedPoint>> GetAsync(RoutingTable table, G.GetPoints request, CancellationToken aborted)
    {
        if (request.ShardKeySelector is not null) throw QdrantRequests.ShardKeys();
        var ids = request.Ids.Select(QdrantIds.Key).Distinct().ToList();
        if (ids.Count == 0)
        {
            return [];
        }

        if (ids.Count > options.MaxWriteBatch)
        {
            throw RouterRequestException.BadRequest($"ids has {ids.Count} entries; at most {options.MaxWriteBatch} are read in one request, split the list", "ids");
        }

        // A hash cell depends on the id alone, so only its readers are asked; a semantic one may be anywhere.
        var plan = table.CellDependsOnVector
            ? table.ReadPlan
            : [.. table.ReadPlan.Where(read => ids.Any(id => table.ReadableCells(read.ShardId).Contains(table.CellOf(id))))];
        var pages = await shards.ReadAsync(plan, "get", Deadline(request.HasTimeout ? request.Timeout : null), (client, read, token) =>
        {
            var mine = table.CellDependsOnVector ? ids : ids.Where(id => table.ReadableCells(read.ShardId).Contains(table.CellOf(id))).ToList();
            var byId = new G.Filter { Must = { new G.Condition { HasId = new G.HasIdCondition { HasId = { mine.Select(QdrantIds.ToGrpc) } } } } };
            var scroll = new G.ScrollPoints
            {
                CollectionName = request.CollectionName,
                Filter = ShardReads.Restrict(byId, read),
                Limit = (uint)mine.Count,
                // gRPC's get leaves the payload out unless asked, where a scroll includes it.
                WithPayload = request.WithPayload ?? new G.WithPayloadSelector { Enable = false },
                WithVectors = request.WithVectors ?? new G.WithVectorsSelector { Enable = false },
            };
            return client.ScrollAsync(scroll, token);
        }, aborted);

        var found = pages.SelectMany(page => page.Result).GroupBy(p => QdrantIds.Key(p.Id)).ToDictionary(g => g.Key, g => g.First());
        return [.. ids.Where(found.ContainsKey).Select(id => QdrantPayloads.Strip(found[id]))];
    }

    /// <summary>The shards a query vector is searched on: those of the probed cells (semantic), or all of them.</summary>
    internal static ImmutableArray<ShardRead> ReadsFor(RoutingTable table, float[] vector, int? nprobe)
    {
        var assigner = table.ReadAssigner;
        var probe = assigner.CellsToProbe(vector, nprobe);
        return probe.Count == assigner.CellCount ? table.ReadPlan : table.ShardReadPlan(probe);
    }

    /// <summary>The request's <c>timeout</c> (seconds), within the router's bounds; else its default search deadline.</summary>
    private TimeSpan Deadline(ulong? seconds) => seconds is { } value and > 0
        ? TimeSpan.FromSeconds(Math.Min(value, options.MaxSearchTimeout.TotalSeconds))
        : options.DefaultSearchTimeout;

    internal static double Seconds(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;
}
