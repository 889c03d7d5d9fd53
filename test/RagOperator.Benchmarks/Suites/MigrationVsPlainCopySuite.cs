using System.Diagnostics;
using System.Text.Json.Nodes;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Support;
using RagOperator.Operator.Migration;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Routing;
using QdrantDistance = RagOperator.Qdrant.Models.Distance;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// The migration's <see cref="CellCopier"/> (cell-filtered scroll, read of the target's write versions, guarded upsert,
/// next page prefetched; over gRPC) against two plain loops that scroll the source and upsert each page to the target:
/// <c>migration_vs_plain_copy</c> against the loop over the same gRPC client, <c>migration_vs_rest_copy</c> against the
/// loop over Qdrant's REST API with a bare <see cref="HttpClient"/> (JSON pages forwarded as they come). Same two
/// in-process shards, same points (stamped with <c>_rag_cell</c> and <c>_rag_v</c> as the router stamps them), same
/// page size, the target emptied before every run; rounds alternate the three.
/// </summary>
public sealed class MigrationVsPlainCopySuite : IBenchmarkSuite
{
    private const string Collection = "bench";

    public string Name => "migration_vs_plain_copy";

    public async Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sizes = context.Sizes;
        await using var shards = await LoopbackShards.StartAsync(2, Collection, sizes.CopyDimension, cancellationToken);
        var (source, target) = (shards.Clients[0], shards.Clients[1]);
        context.Log.WriteLine($"  loading {sizes.CopyPoints:N0} points of dimension {sizes.CopyDimension} on the source shard");
        await LoadAsync(source, sizes, context.Seed, cancellationToken);

        var rounds = sizes.IsSmoke ? 1 : 3;
        var plain = new List<double>();
        var rest = new List<double>();
        var migration = new List<double>();
        using var http = new HttpClient();
        for (var round = 0; round < rounds; round++)
        {
            await ResetAsync(target, sizes.CopyDimension, cancellationToken);
            plain.Add(await TimeAsync(() => PlainCopyAsync(source, target, sizes.CopyBatch, cancellationToken), shards, sizes.CopyPoints));
            await ResetAsync(target, sizes.CopyDimension, cancellationToken);
            rest.Add(await TimeAsync(() => RestCopyAsync(http, shards.Servers[0].BaseUri, shards.Servers[1].BaseUri, sizes.CopyBatch, cancellationToken), shards, sizes.CopyPoints));
            await ResetAsync(target, sizes.CopyDimension, cancellationToken);
            var copier = new CellCopier(source, target, Collection, CellSet.FromRange(0, LoopbackShards.Slots - 1), new CopyOptions { BatchSize = sizes.CopyBatch });
            migration.Add(await TimeAsync(async () => (await copier.CopyAllAsync(cancellationToken)).Upserted, shards, sizes.CopyPoints));
            context.Log.WriteLine(
                $"  round {round + 1}: plain gRPC {plain[^1]:N0} points/s, plain REST {rest[^1]:N0} points/s, migration copier {migration[^1]:N0} points/s");
        }

        var plainRate = plain.Order().ElementAt(plain.Count / 2);
        var restRate = rest.Order().ElementAt(rest.Count / 2);
        var migrationRate = migration.Order().ElementAt(migration.Count / 2);
        var headlines = new List<Headline>
        {
            new("migration_vs_plain_copy", Format.Ratio(migrationRate / plainRate),
                $"migration copier {Format.Rate(migrationRate, "points/s")} vs plain gRPC scroll+upsert {Format.Rate(plainRate, "points/s")} (median of {rounds})"),
            new("migration_vs_rest_copy", Format.Ratio(migrationRate / restRate),
                $"migration copier over gRPC {Format.Rate(migrationRate, "points/s")} vs plain REST scroll+upsert with HttpClient {Format.Rate(restRate, "points/s")} (median of {rounds})"),
        };
        var rows = Enumerable.Range(0, rounds).Select(i => (IReadOnlyList<string>)
        [
            $"{i + 1}", Format.Rate(rest[i], "points/s"), Format.Rate(plain[i], "points/s"), Format.Rate(migration[i], "points/s"),
            Format.Ratio(migration[i] / rest[i]), Format.Ratio(migration[i] / plain[i]),
        ]).ToList();
        rows.Add(
        [
            "median", Format.Rate(restRate, "points/s"), Format.Rate(plainRate, "points/s"), Format.Rate(migrationRate, "points/s"),
            Format.Ratio(migrationRate / restRate), Format.Ratio(migrationRate / plainRate),
        ]);
        var section = new Section("Copy throughput between two shards",
            $"{sizes.CopyPoints:N0} points of dimension {sizes.CopyDimension} with payloads, pages of {sizes.CopyBatch}, the target emptied before each run; " +
            "each run ends when every point is on the target.",
            ["round", "plain REST loop", "plain gRPC loop", "migration copier (gRPC)", "copier / REST", "copier / gRPC loop"], rows)
        {
            Notes =
            [
                "The copier does more per page than the plain loop: a filtered scroll (cells), a read of the target's _rag_v for the page's ids, " +
                "and an upsert guarded by update_filter so that a concurrent router write is never overwritten; it overlaps the next scroll with the write.",
                "No rate limit (rebalance.maxPointsPerSecond = 0). Both run inside this process against in-process shards on loopback.",
            ],
        };
        return new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started));
    }

    private static async Task<double> TimeAsync(Func<Task<long>> copy, LoopbackShards shards, int expected)
    {
        var watch = Stopwatch.GetTimestamp();
        var copied = await copy();
        var seconds = Stopwatch.GetElapsedTime(watch).TotalSeconds;
        if (copied != expected || shards.PointCount(1) != expected)
        {
            throw new InvalidOperationException($"a copy wrote {copied} points and left {shards.PointCount(1)} on the target; expected {expected}");
        }

        return expected / seconds;
    }

    /// <summary>The baseline: scroll a page (vectors and payloads), upsert it, repeat.</summary>
    private static async Task<long> PlainCopyAsync(IQdrantClient source, IQdrantClient target, int batch, CancellationToken cancellationToken)
    {
        long copied = 0;
        PointId? offset = null;
        do
        {
            var page = await source.ScrollAsync(Collection, new ScrollRequest
            {
                Limit = (ulong)batch,
                Offset = offset,
                WithPayload = PayloadSelector.All,
                WithVector = true,
            }, cancellationToken);
            if (page.Points.Count > 0)
            {
                await target.UpsertAsync(Collection, [.. page.Points.Select(p => new PointStruct(p.Id, p.Vector!, p.Payload))], cancellationToken: cancellationToken);
            }

            copied += page.Points.Count;
            offset = page.NextPageOffset;
        }
        while (offset is not null);
        return copied;
    }

    /// <summary>
    /// The REST baseline, as a user would write it with <see cref="HttpClient"/>: scroll a page as JSON, send its points
    /// back as the body of an upsert unchanged (a scrolled record is a valid point), repeat.
    /// </summary>
    private static async Task<long> RestCopyAsync(HttpClient http, Uri source, Uri target, int batch, CancellationToken cancellationToken)
    {
        long copied = 0;
        JsonNode? offset = null;
        do
        {
            var scroll = new JsonObject { ["limit"] = batch, ["with_payload"] = true, ["with_vector"] = true, ["offset"] = offset?.DeepClone() };
            using var scrolled = await http.PostAsync(new Uri(source, $"collections/{Collection}/points/scroll"), Json(scroll), cancellationToken);
            scrolled.EnsureSuccessStatusCode();
            var result = JsonNode.Parse(await scrolled.Content.ReadAsStreamAsync(cancellationToken))!["result"]!;
            var points = result["points"]!.AsArray();
            if (points.Count > 0)
            {
                var upsert = new JsonObject { ["points"] = points.DeepClone() };
                using var upserted = await http.PutAsync(new Uri(target, $"collections/{Collection}/points?wait=true"), Json(upsert), cancellationToken);
                upserted.EnsureSuccessStatusCode();
            }

            copied += points.Count;
            offset = result["next_page_offset"];
        }
        while (offset is not null && offset.GetValueKind() != System.Text.Json.JsonValueKind.Null);
        return copied;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static async Task LoadAsync(IQdrantClient source, BenchmarkSizes sizes, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var assigner = new HashCellAssigner(LoopbackShards.Slots);
        var clock = new HybridLogicalClock(routerId: 1);
        for (var start = 0; start < sizes.CopyPoints; start += 512)
        {
            var batch = Enumerable.Range(start, Math.Min(512, sizes.CopyPoints - start)).Select(i =>
            {
                var id = (ulong)i + 1;
                return new PointStruct(PointId.FromNumber(id), Vectors.Random(random, sizes.CopyDimension), new JsonObject
                {
                    ["text"] = $"document {id}",
                    [PayloadFields.Cell] = assigner.CellOf(PointKey.FromUlong(id)),
                    [PayloadFields.Version] = clock.Next(),
                });
            }).ToList();
            await source.UpsertAsync(Collection, batch, cancellationToken: cancellationToken);
        }
    }

    private static async Task ResetAsync(IQdrantClient target, int dimension, CancellationToken cancellationToken)
    {
        await target.DeleteCollectionAsync(Collection, cancellationToken);
        await target.CreateCollectionAsync(Collection, new CreateCollectionRequest(new VectorParams((ulong)dimension, QdrantDistance.Cosine)), cancellationToken);
        await target.CreatePayloadIndexAsync(Collection, PayloadFields.Cell, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
        await target.CreatePayloadIndexAsync(Collection, PayloadFields.Version, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
    }
}
