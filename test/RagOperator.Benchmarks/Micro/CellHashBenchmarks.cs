using BenchmarkDotNet.Attributes;
using RagOperator.Routing;

namespace RagOperator.Benchmarks.Micro;

/// <summary>The router's per-point cost of routing: canonical id → XXH64 → cell, for integer and UUID ids.</summary>
[MemoryDiagnoser]
public class CellHashBenchmarks
{
    private const int Ids = 1024;
    private PointKey[] integerIds = [];
    private PointKey[] uuidIds = [];
    private readonly HashCellAssigner assigner = new(16_384);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        integerIds = [.. Enumerable.Range(0, Ids).Select(_ => PointKey.FromUlong((ulong)random.NextInt64(0, long.MaxValue)))];
        uuidIds = [.. Enumerable.Range(0, Ids).Select(_ =>
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return PointKey.FromGuid(new Guid(bytes));
        })];
    }

    /// <summary>Cells of 1024 integer ids (divide by 1024 for one id).</summary>
    [Benchmark(OperationsPerInvoke = Ids)]
    public int IntegerIdCell() => SumCells(integerIds);

    /// <summary>Cells of 1024 UUID ids (divide by 1024 for one id).</summary>
    [Benchmark(OperationsPerInvoke = Ids)]
    public int UuidIdCell() => SumCells(uuidIds);

    private int SumCells(PointKey[] ids)
    {
        var sum = 0;
        foreach (var id in ids) sum += assigner.CellOf(id);
        return sum;
    }
}
