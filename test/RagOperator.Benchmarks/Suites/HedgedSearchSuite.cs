using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Support;
using RagOperator.Router;
using RagOperator.Router.RoutingSource;
using RagOperator.Workload;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// <c>hedged_p99_vs_unhedged</c>: search latency through two routers over the same 4 shards, one hedging (a second
/// request to a shard that has not answered within its recent p95) and one not, while shard 2 answers
/// <see cref="SlowFraction"/> of its requests <see cref="SlowBy"/> late — the latency tail of a replica that pauses.
/// The same queries go to both routers, interleaved, one at a time.
/// </summary>
public sealed class HedgedSearchSuite : IBenchmarkSuite
{
    private const string Collection = "bench";
    private const int TopK = 10;
    private const int LoadBatch = 256;
    private const int SlowShard = 2;
    private const double SlowFraction = 0.03;
    private static readonly TimeSpan SlowBy = TimeSpan.FromMilliseconds(100);

    public string Name => "hedged_search";

    public async Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sizes = context.Sizes;
        await using var shards = await LoopbackShards.StartAsync(4, Collection, sizes.HedgeDimension, cancellationToken);
        await using var hedged = await RouterHost.StartAsync(
            new RouterOptions { Collection = Collection, RouterName = "bench-hedged", ShardGrpcAddress = shards.GrpcAddress }, new StaticRoutingSource(shards.StableTable()),
            cancellationToken: cancellationToken);
        await using var unhedged = await RouterHost.StartAsync(
            new RouterOptions { Collection = Collection, RouterName = "bench-unhedged", Hedging = false, ShardGrpcAddress = shards.GrpcAddress }, new StaticRoutingSource(shards.StableTable()),
            cancellationToken: cancellationToken);
        await hedged.WaitForVersionAsync(1, TimeSpan.FromSeconds(30), cancellationToken);
        await unhedged.WaitForVersionAsync(1, TimeSpan.FromSeconds(30), cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var withHedge = new RouterClient(http, [hedged.BaseUri], Collection, apiKey: null);
        var withoutHedge = new RouterClient(http, [unhedged.BaseUri], Collection, apiKey: null);

        context.Log.WriteLine($"  loading {sizes.HedgePoints:N0} points of dimension {sizes.HedgeDimension}");
        var random = new Random(context.Seed);
        for (var start = 0; start < sizes.HedgePoints; start += LoadBatch)
        {
            var batch = Enumerable.Range(start, Math.Min(LoadBatch, sizes.HedgePoints - start))
                .Select(i => new RouterPoint((ulong)i + 1, Vectors.Random(random, sizes.HedgeDimension), new JsonObject { ["text"] = $"document {i + 1}" }))
                .ToList();
            var result = await withHedge.UpsertAsync(batch, cancellationToken);
            if (!result.Acknowledged) throw new InvalidOperationException($"router upsert failed: {result.StatusCode} {result.Error}");
        }

        shards.Servers[SlowShard].Faults.SlowRequests(SlowFraction, SlowBy);
        for (var i = 0; i < sizes.HedgeWarmupQueries; i++)
        {
            var vector = Vectors.Random(random, sizes.HedgeDimension);
            await SearchAsync(withHedge, vector, cancellationToken);
            await SearchAsync(withoutHedge, vector, cancellationToken);
        }

        var hedgesBefore = await HedgesAsync(http, hedged.BaseUri, cancellationToken);
        var hedgedLatency = new List<double>();
        var unhedgedLatency = new List<double>();
        context.Log.WriteLine($"  {sizes.HedgeQueries:N0} queries each way, shard {SlowShard} slow by {SlowBy.TotalMilliseconds:0} ms on {SlowFraction:P0} of requests");
        for (var i = 0; i < sizes.HedgeQueries; i++)
        {
            var vector = Vectors.Random(random, sizes.HedgeDimension);
            hedgedLatency.Add(await SearchAsync(withHedge, vector, cancellationToken));
            unhedgedLatency.Add(await SearchAsync(withoutHedge, vector, cancellationToken));
        }

        var hedges = await HedgesAsync(http, hedged.BaseUri, cancellationToken) - hedgesBefore;
        var comparison = LatencyComparison.Of("hedged", hedgedLatency, "unhedged", unhedgedLatency);
        var section = new Section("Search latency with one slow shard: hedged vs unhedged router",
            $"4 shards, {sizes.HedgePoints:N0} points, dimension {sizes.HedgeDimension}, top-{TopK} with payload; shard {SlowShard} answers " +
            $"{SlowFraction:P0} of its requests {SlowBy.TotalMilliseconds:0} ms late; {sizes.HedgeQueries:N0} queries to each router after " +
            $"{sizes.HedgeWarmupQueries} warm-up queries, interleaved, sequential.",
            LatencyComparison.Columns("router"),
            comparison.Rows("hedged (second request after the shard's p95)", "unhedged"))
        {
            Notes =
            [
                $"The hedged router sent {hedges:N0} second requests for {sizes.HedgeQueries:N0} searches of 4 shards each " +
                $"({hedges / (4.0 * sizes.HedgeQueries):P1} more shard calls).",
                "The slow requests are drawn per request, as when one replica behind the shard's Service pauses; a hedge to a shard whose " +
                "every replica is slow would not help, and the breaker, not the hedge, is the answer to that.",
            ],
        };
        return new SuiteResult(Name, comparison.Headlines(p => $"hedged_{p}_vs_unhedged"), [section], Stopwatch.GetElapsedTime(started));
    }

    private static async Task<double> SearchAsync(RouterClient client, float[] vector, CancellationToken cancellationToken)
    {
        var result = await client.SearchAsync(vector, TopK, cancellationToken: cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException($"router search failed: {result.StatusCode} {result.Error}");
        return result.Latency.TotalMilliseconds;
    }

    /// <summary>The router's hedge counter summed over shards, read from its /metrics.</summary>
    private static async Task<double> HedgesAsync(HttpClient http, Uri router, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri(router, "metrics"), cancellationToken);
        return text.Split('\n')
            .Where(line => line.StartsWith("ragrouter_shard_hedged_requests_total{", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
