using System.Diagnostics;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Routing;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// <c>semantic_recall</c>: what semantic sharding buys and costs against hash sharding. A synthetic Gaussian mixture
/// (dimension 384, 100 000 points, uneven component weights, Cosine) is spread over 8 shards twice: by the hash strategy
/// and by the semantic strategy (k-means on a sample, <c>cellsPerShard</c> cells per shard, cells assigned to balance
/// points). Held-out queries from the same mixture are answered with nprobe 1, 2, 4 and all; each answer is compared
/// with an exact search over all points (recall@10), and the shards each search asked are counted. Hash sharding
/// always asks every shard; its rows with fewer shards show what asking only some of them would give.
/// <para>Runs the real routing core (<see cref="SemanticPartitioner"/>, <see cref="RoutingTable.Route"/>,
/// <see cref="RoutingTable.ShardReadPlan(CellSet)"/>, <see cref="TopKMerger"/>) against <b>in-memory shards searched
/// exactly</b> (brute force), not against Qdrant over HTTP: recall then measures routing alone, with no HNSW error.</para>
/// </summary>
public sealed class SemanticRecallSuite : IBenchmarkSuite
{
    private const int TopK = 10;

    public string Name => "semantic_recall";

    public Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sizes = context.Sizes;
        var (points, queries) = GaussianMixture(context.Seed, sizes.SemanticPoints, sizes.SemanticQueries, sizes.SemanticDimension, sizes.SemanticComponents);
        context.Log.WriteLine($"    {points.Length:N0} points, {queries.Length} queries, dimension {sizes.SemanticDimension}, {sizes.SemanticComponents} mixture components");

        var truth = new int[queries.Length][];
        Parallel.For(0, queries.Length, new ParallelOptions { CancellationToken = cancellationToken }, q => truth[q] = Exact(queries[q], points, null));

        // Semantic: train on a sample, as the operator does, then route every point with the table.
        var trainingStarted = Stopwatch.GetTimestamp();
        var sample = Sample(points, sizes.SemanticSample, context.Seed);
        var partition = SemanticPartitioner.Train(sample, new SemanticTraining
        {
            Generation = 1,
            Shards = sizes.SemanticShards,
            CellsPerShard = sizes.SemanticCellsPerShard,
            Nprobe = 1,
            Distance = Distance.Cosine,
            TotalPoints = points.Length,
            KMeans = new KMeansOptions { Seed = context.Seed, MaxIterations = 25 },
        });
        var trainingSeconds = Stopwatch.GetElapsedTime(trainingStarted).TotalSeconds;
        var semantic = RoutingTable.Create("bench", "default", 1, partition.Assigner, sizes.SemanticDimension, Distance.Cosine,
            partition.Ownership.Shards.Select(kv => new RoutingShard(kv.Key, $"http://shard-{kv.Key}:6333", kv.Value)));
        var hash = RoutingTable.Create("bench", "default", 1, new HashCellAssigner(16_384), sizes.SemanticDimension, Distance.Cosine,
            RebalancePlanner.InitialAssignment(16_384, sizes.SemanticShards).Shards.Select(kv => new RoutingShard(kv.Key, $"http://shard-{kv.Key}:6333", kv.Value)));
        var semanticShards = Place(semantic, points);
        var hashShards = Place(hash, points);

        var rows = new List<IReadOnlyList<string>>();
        var recallAt = new Dictionary<string, double>();
        foreach (var nprobe in new int?[] { 1, 2, 4, null })
        {
            var label = nprobe?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all";
            var (recall, fanOut, perQueryMs) = Measure(queries, truth, points, semanticShards, q =>
                [.. semantic.ShardReadPlan(semantic.ReadAssigner.CellsToProbe(q, nprobe ?? int.MaxValue)).Select(r => r.ShardId)], cancellationToken);
            recallAt[label] = recall;
            rows.Add(["semantic", $"nprobe {label}", Format.Fraction(recall), fanOut.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Format.Ms(perQueryMs)]);
        }

        foreach (var fan in new[] { 1, 2, 4, sizes.SemanticShards }.Distinct().Where(f => f <= sizes.SemanticShards))
        {
            var random = new Random(context.Seed);
            var (recall, fanOut, perQueryMs) = Measure(queries, truth, points, hashShards, _ => fan == sizes.SemanticShards
                ? [.. hash.ReadPlan.Select(r => r.ShardId)]
                : [.. Enumerable.Range(0, sizes.SemanticShards).OrderBy(_ => random.Next()).Take(fan)], cancellationToken);
            rows.Add(["hash", fan == sizes.SemanticShards ? "all shards (what the router does)" : $"{fan} random shard(s)", Format.Fraction(recall),
                fanOut.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Format.Ms(perQueryMs)]);
        }

        var loads = semanticShards.Select(s => (double)s.Count).ToArray();
        var imbalance = loads.Max() / loads.Average();
        var headlines = new List<Headline>
        {
            new("semantic_recall_at_10_nprobe_1", Format.Fraction(recallAt["1"]), $"1 of {sizes.SemanticShards} shards asked per search; hash needs all {sizes.SemanticShards} for recall 1"),
            new("semantic_recall_at_10_nprobe_2", Format.Fraction(recallAt["2"]), "recall@10 against exact search over all points"),
            new("semantic_shard_balance", Format.Ratio(imbalance), $"largest shard / mean shard (points), {partition.Assigner.CellCount} cells balanced by points"),
        };
        var section = new Section(
            "Semantic vs hash sharding: recall@10 and shards asked per search",
            $"{points.Length:N0} points and {queries.Length} held-out queries from a two-level Gaussian mixture (10 themes, {sizes.SemanticComponents} components of uneven weight, " +
            $"dimension {sizes.SemanticDimension}, Cosine), {sizes.SemanticShards} shards. Semantic: k-means++ (seed {context.Seed}, ≤ 25 Lloyd iterations) " +
            $"on a sample of {sample.Count:N0} points, {sizes.SemanticCellsPerShard} cells per shard, trained in {trainingSeconds:0.0} s. " +
            "Recall@10: share of the exact top 10 (over all points) that the routed search returns. Shards asked: mean shard queries per search.",
            ["strategy", "probe", "recall@10", "shards asked", "time per search"],
            rows)
        {
            Notes =
            [
                "In-memory shards searched exactly (brute force) through the real routing core; no Qdrant, no HTTP, no HNSW. The figures isolate routing.",
                $"Semantic shard sizes (points): {string.Join(", ", semanticShards.Select(s => s.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}.",
                "Hash rows with fewer shards ask a random subset, to show what cutting the fan-out costs without semantic routing.",
            ],
        };
        return Task.FromResult(new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started)));
    }

    /// <summary>
    /// Unit-length points of a two-level Gaussian mixture, so that topics overlap as real embeddings do: 10 random unit
    /// "themes"; each of the <paramref name="components"/> centres is a theme plus Gaussian noise of norm 0.8, normalised;
    /// a point is its centre plus Gaussian noise of norm 1.2, normalised (cosine about 0.64 to its centre, and centres of
    /// one theme about 0.6 apart). Component weights fall off as 1/(1 + i/8).
    /// </summary>
    private static (float[][] Points, float[][] Queries) GaussianMixture(int seed, int count, int queries, int dimension, int components)
    {
        var random = new Random(seed);
        var themes = Enumerable.Range(0, 10).Select(_ => Unit(Gaussians(random, dimension, 1))).ToArray();
        var centres = Enumerable.Range(0, components).Select(c =>
        {
            var centre = Gaussians(random, dimension, 0.8 / Math.Sqrt(dimension));
            for (var i = 0; i < dimension; i++) centre[i] += themes[c % themes.Length][i];
            return Unit(centre);
        }).ToArray();
        var weights = Enumerable.Range(0, components).Select(i => 1.0 / (1 + (i / 8.0))).ToArray();
        var total = weights.Sum();
        float[] Draw()
        {
            var pick = random.NextDouble() * total;
            var c = 0;
            while (c < components - 1 && (pick -= weights[c]) > 0) c++;
            var noise = Gaussians(random, dimension, 1.2 / Math.Sqrt(dimension));
            for (var i = 0; i < dimension; i++) noise[i] += centres[c][i];
            return Unit(noise);
        }

        var points = new float[count][];
        for (var p = 0; p < count; p++) points[p] = Draw();
        var held = new float[queries][];
        for (var q = 0; q < queries; q++) held[q] = Draw();
        return (points, held);
    }

    private static float[] Gaussians(Random random, int dimension, double scale)
    {
        var values = new float[dimension];
        for (var i = 0; i < dimension; i++)
        {
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * scale);
        }

        return values;
    }

    private static float[] Unit(float[] vector)
    {
        VectorMath.Normalize(vector);
        return vector;
    }

    private static List<float[]> Sample(float[][] points, int size, int seed)
    {
        var random = new Random(seed + 1);
        return [.. Enumerable.Range(0, points.Length).OrderBy(_ => random.Next()).Take(Math.Min(size, points.Length)).Select(i => points[i])];
    }

    /// <summary>The point indexes each shard holds, by routing every point (id = index + 1) with the table.</summary>
    private static List<int>[] Place(RoutingTable table, float[][] points)
    {
        var shards = Enumerable.Range(0, table.Shards.Length).Select(_ => new List<int>()).ToArray();
        var owners = new int[points.Length];
        Parallel.For(0, points.Length, p => owners[p] = table.Route(PointKey.FromUlong((ulong)p + 1), points[p]).Targets.Single());
        for (var p = 0; p < points.Length; p++) shards[owners[p]].Add(p);
        return shards;
    }

    private static (double Recall, double FanOut, double PerQueryMs) Measure(
        float[][] queries, int[][] truth, float[][] points, List<int>[] shards, Func<float[], int[]> shardsFor, CancellationToken cancellationToken)
    {
        var found = new double[queries.Length];
        var asked = new int[queries.Length];
        var started = Stopwatch.GetTimestamp();
        Parallel.For(0, queries.Length, new ParallelOptions { CancellationToken = cancellationToken }, q =>
        {
            var probe = shardsFor(queries[q]);
            asked[q] = probe.Length;
            var perShard = probe.Select(s => Exact(queries[q], points, shards[s]).Select(p => new ShardHit<int>(PointKey.FromUlong((ulong)p + 1), VectorMath.Dot(queries[q], points[p]), s, p)));
            var merged = TopKMerger.Merge(perShard, TopK, Distance.Cosine);
            found[q] = (double)merged.Count(hit => truth[q].Contains(hit.Payload)) / TopK;
        });
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return (found.Average(), asked.Average(), elapsed / queries.Length * Math.Min(Environment.ProcessorCount, queries.Length));
    }

    /// <summary>The indexes of the top 10 by cosine (unit vectors: the dot product) among <paramref name="subset"/> (all points when null).</summary>
    private static int[] Exact(float[] query, float[][] points, List<int>? subset)
    {
        var best = new PriorityQueue<int, float>(TopK + 1);
        var count = subset?.Count ?? points.Length;
        for (var i = 0; i < count; i++)
        {
            var p = subset is null ? i : subset[i];
            var score = VectorMath.Dot(query, points[p]);
            if (best.Count < TopK)
            {
                best.Enqueue(p, score);
            }
            else if (best.TryPeek(out _, out var worst) && score > worst)
            {
                best.EnqueueDequeue(p, score);
            }
        }

        var result = new int[best.Count];
        for (var i = result.Length - 1; i >= 0; i--) result[i] = best.Dequeue();
        return result;
    }
}
