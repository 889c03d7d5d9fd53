using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Support;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Router;
using RagOperator.Router.RoutingSource;
using RagOperator.Workload;
using QdrantClient = global::Qdrant.Client.QdrantClient;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// <c>router_vs_direct_p50/p99</c>: the latency of a search through the retrieval router over 4 shards, divided by
/// an exact search sent straight to one shard that holds all the points, both with the official <c>Qdrant.Client</c>
/// over gRPC (the router's Qdrant face is a drop-in endpoint). Same points (written through the router to the 4 shards
/// and directly to the single shard), same queries, top-10 with payloads, one request at a time over loopback, the
/// paths interleaved so all see the same machine state. The router's own JSON API (<c>/v1</c>, HTTP/1.1) is measured
/// alongside.
/// </summary>
public sealed class RouterVsDirectSuite : IBenchmarkSuite
{
    private const string Collection = "bench";
    private const int TopK = 10;
    private const int LoadBatch = 256;

    public string Name => "router_vs_direct";

    public async Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sizes = context.Sizes;
        await using var shards = await LoopbackShards.StartAsync(4, Collection, sizes.RouterDimension, cancellationToken);
        await using var direct = await LoopbackShards.StartAsync(1, Collection, sizes.RouterDimension, cancellationToken);
        await using var router = await RouterHost.StartAsync(
            new RouterOptions { Collection = Collection, RouterName = "bench-router-0", ShardGrpcAddress = shards.GrpcAddress }, new StaticRoutingSource(shards.StableTable()),
            cancellationToken: cancellationToken);
        await router.WaitForVersionAsync(1, TimeSpan.FromSeconds(30), cancellationToken);

        // The same router in front of the single shard: what the router's own hop costs, without a split.
        await using var hop = await RouterHost.StartAsync(
            new RouterOptions { Collection = Collection, RouterName = "bench-router-1", ShardGrpcAddress = direct.GrpcAddress }, new StaticRoutingSource(direct.StableTable()),
            cancellationToken: cancellationToken);
        await hop.WaitForVersionAsync(1, TimeSpan.FromSeconds(30), cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var client = new RouterClient(http, [router.BaseUri], Collection, apiKey: null);
        var single = direct.Clients[0];
        using var viaRouter = new QdrantClient(router.GrpcUri.Host, router.GrpcUri.Port);
        var directGrpc = direct.Servers[0].GrpcUri;
        using var straight = new QdrantClient(directGrpc.Host, directGrpc.Port);
        using var viaHop = new QdrantClient(hop.GrpcUri.Host, hop.GrpcUri.Port);

        context.Log.WriteLine($"  loading {sizes.RouterPoints:N0} points of dimension {sizes.RouterDimension}");
        await LoadAsync(client, single, sizes, context.Seed, cancellationToken);
        var stored = Enumerable.Range(0, 4).Sum(shards.PointCount);
        if (stored != sizes.RouterPoints || direct.PointCount(0) != sizes.RouterPoints)
        {
            throw new InvalidOperationException($"expected {sizes.RouterPoints} points on both sides, found {stored} on the shards and {direct.PointCount(0)} on the single shard");
        }

        var random = new Random(context.Seed + 1);
        for (var i = 0; i < sizes.RouterWarmupQueries; i++)
        {
            var vector = Vectors.Random(random, sizes.RouterDimension);
            await RouterSearchAsync(client, vector, cancellationToken);
            await GrpcSearchAsync(viaRouter, vector, cancellationToken);
            await GrpcSearchAsync(straight, vector, cancellationToken);
            await GrpcSearchAsync(viaHop, vector, cancellationToken);
        }

        var routerLatency = new List<double>();
        var jsonLatency = new List<double>();
        var directLatency = new List<double>();
        var fanOutLatency = new List<double>();
        var hopLatency = new List<double>();
        var disagreements = 0;
        context.Log.WriteLine($"  {sizes.RouterQueries:N0} queries each way");
        for (var i = 0; i < sizes.RouterQueries; i++)
        {
            var vector = Vectors.Random(random, sizes.RouterDimension);
            var (routed, routedMs) = await GrpcSearchAsync(viaRouter, vector, cancellationToken);
            var (exact, directMs) = await GrpcSearchAsync(straight, vector, cancellationToken);
            var (json, jsonMs) = await RouterSearchAsync(client, vector, cancellationToken);
            var (hopped, hopMs) = await GrpcSearchAsync(viaHop, vector, cancellationToken);
            hopLatency.Add(hopMs);
            fanOutLatency.Add(await FanOutSearchAsync(shards.Clients, vector, cancellationToken));
            routerLatency.Add(routedMs);
            directLatency.Add(directMs);
            jsonLatency.Add(jsonMs);
            if (!routed.SequenceEqual(exact) || !json.SequenceEqual(exact) || !hopped.SequenceEqual(exact)) disagreements++;
        }

        var comparison = LatencyComparison.Of("router", routerLatency, "direct", directLatency);
        var hopComparison = LatencyComparison.Of("hop", hopLatency, "direct", directLatency);
        var section = new Section("Search latency: router over 4 shards vs one shard holding everything",
            $"{sizes.RouterPoints:N0} points, dimension {sizes.RouterDimension}, Cosine, top-{TopK} with payload, {sizes.RouterQueries:N0} queries " +
            $"after {sizes.RouterWarmupQueries} warm-up queries, sequential.",
            LatencyComparison.Columns("path"),
            [
                .. comparison.Rows("router, Qdrant gRPC API (4 shards, fan-out + merge)", "direct, Qdrant gRPC (1 shard, exact)"),
                .. LatencyComparison.Of("router", routerLatency, "json", jsonLatency).Rows("", "router, its /v1 JSON API over HTTP/1.1").Skip(1),
                .. LatencyComparison.Of("router", routerLatency, "fan-out", fanOutLatency).Rows("", "4 shards asked straight from this process, no router").Skip(1),
                .. hopComparison.Rows("router in front of the one shard, Qdrant gRPC API", "").Where((_, row) => row != 1),
            ])
        {
            Notes =
            [
                $"Result check: the router's top-{TopK} ids (both APIs) equal the direct exact top-{TopK} for {sizes.RouterQueries - disagreements} of {sizes.RouterQueries} queries " +
                "(a difference can only be a tie in score at the k-th place).",
                "Every gRPC path uses the official Qdrant.Client. Each \"router / x\" row divides the router's gRPC latency by the row above it; \"hop / direct\" divides the one-shard router's by the direct search.",
                "The split costs before any router does: 4 shards asked straight from this process are slower than the one shard, because the shards, the router and the client share 2 cores. The one-shard router shows what the router's own hop adds.",
                "Shards are in-process Qdrant-compatible servers with exact (brute-force) search, so the direct side is exact by construction; " +
                "with real Qdrant HNSW the per-shard search is cheaper and the router's fixed overhead weighs more.",
            ],
        };
        var added = comparison.A.P50 - comparison.B.P50;
        IReadOnlyList<Headline> headlines =
        [
            .. comparison.Headlines(p => $"router_vs_direct_{p}"),
            new("router_added_p50_ms", Format.Ms(added), $"router p50 minus direct p50 ({Format.Ms(comparison.A.P50)} - {Format.Ms(comparison.B.P50)})"),
            new("router_hop_added_p50_ms", Format.Ms(hopComparison.A.P50 - hopComparison.B.P50),
                $"router over the one shard minus direct, p50 ({Format.Ms(hopComparison.A.P50)} - {Format.Ms(hopComparison.B.P50)}): the hop alone, no split"),
        ];
        return new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started));
    }

    private static async Task LoadAsync(RouterClient client, IQdrantClient single, BenchmarkSizes sizes, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        for (var start = 0; start < sizes.RouterPoints; start += LoadBatch)
        {
            var batch = Enumerable.Range(start, Math.Min(LoadBatch, sizes.RouterPoints - start))
                .Select(i => new RouterPoint((ulong)i + 1, Vectors.Random(random, sizes.RouterDimension), new JsonObject { ["text"] = $"document {i + 1}" }))
                .ToList();
            var result = await client.UpsertAsync(batch, cancellationToken);
            if (!result.Acknowledged) throw new InvalidOperationException($"router upsert failed: {result.StatusCode} {result.Error}");
            await single.UpsertAsync(Collection, batch.Select(p => new PointStruct(PointId.FromNumber(p.Id), p.Vector, (JsonObject)p.Payload.DeepClone())).ToList(),
                cancellationToken: cancellationToken);
        }
    }

    private static async Task<(List<string> Ids, double Ms)> RouterSearchAsync(RouterClient client, float[] vector, CancellationToken cancellationToken)
    {
        var result = await client.SearchAsync(vector, TopK, cancellationToken: cancellationToken);
        if (!result.Succeeded) throw new InvalidOperationException($"router search failed: {result.StatusCode} {result.Error}");
        return ([.. result.Hits.Select(h => h.Id)], result.Latency.TotalMilliseconds);
    }

    /// <summary>What the router's split costs by itself: the same 4 shard searches sent in parallel from here, no merge.</summary>
    private static async Task<double> FanOutSearchAsync(IReadOnlyList<IQdrantClient> shards, float[] vector, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(shards.Select(shard => shard.SearchAsync(Collection, new SearchRequest(vector, TopK) { WithPayload = true }, cancellationToken)));
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>A search with the official client, as an application would send it to Qdrant (or to a router).</summary>
    private static async Task<(List<string> Ids, double Ms)> GrpcSearchAsync(QdrantClient client, float[] vector, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var hits = await client.QueryAsync(Collection, vector, limit: TopK, payloadSelector: true, cancellationToken: cancellationToken);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return ([.. hits.Select(h => h.Id.PointIdOptionsCase == global::Qdrant.Client.Grpc.PointId.PointIdOptionsOneofCase.Num ? h.Id.Num.ToString(CultureInfo.InvariantCulture) : h.Id.Uuid)], ms);
    }
}
