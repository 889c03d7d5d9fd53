using BenchmarkDotNet.Attributes;
using RagOperator.Routing;

namespace RagOperator.Benchmarks.Micro;

/// <summary>The router's merge of per-shard hit lists into the global top-k (Cosine: higher is better).</summary>
[MemoryDiagnoser]
public class TopKMergeBenchmarks
{
    private List<List<ShardHit<object?>>> shardResults = [];

    [Params(4, 16)]
    public int Shards { get; set; }

    [Params(10, 100)]
    public int TopK { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(11);
        shardResults = [.. Enumerable.Range(0, Shards).Select(shard => Enumerable.Range(0, TopK)
            .Select(_ => new ShardHit<object?>(PointKey.FromUlong((ulong)random.NextInt64(1, long.MaxValue)), random.NextDouble(), shard, null))
            .OrderByDescending(h => h.Score)
            .ToList())];
    }

    [Benchmark]
    public int Merge() => TopKMerger.Merge(shardResults, TopK, Distance.Cosine).Count;
}
