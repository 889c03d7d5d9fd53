using BenchmarkDotNet.Attributes;
using RagOperator.Routing;

namespace RagOperator.Benchmarks.Micro;

/// <summary>
/// What a router pays to load a routing version: parse and validate the JSON document and build the per-cell owner
/// and write-target arrays. Stable: 4 shards; migrating: 8→16 shards with the planner's moves under ReadOldWriteBoth.
/// </summary>
[MemoryDiagnoser]
public class RoutingTableParseBenchmarks
{
    private string stable = "";
    private string migrating = "";

    [GlobalSetup]
    public void Setup()
    {
        stable = Table(4, null).ToJson(indented: false);
        var from = Table(8, null);
        var plan = RebalancePlanner.Plan(from.OldAssignment(), 16);
        var widened = from.WithShards(2, Enumerable.Range(0, 16).Select(i => new RoutingShard(i, Endpoint(i), from.TryGetShard(i, out var s) ? s!.Cells : CellSet.Empty)));
        migrating = widened.StartMigration(3, "docs-8to16-v2", plan.Moves).ToJson(indented: false);
    }

    [Benchmark]
    public long ParseStableTable() => RoutingTable.Parse(stable).Version;

    [Benchmark]
    public long ParseMigratingTable() => RoutingTable.Parse(migrating).Version;

    private static RoutingTable Table(int shards, TableMigration? migration)
    {
        var assignment = RebalancePlanner.InitialAssignment(16_384, shards);
        return RoutingTable.Create("docs", "default", 1, new HashCellAssigner(16_384), 384, Distance.Cosine,
            assignment.Shards.Select(kv => new RoutingShard(kv.Key, Endpoint(kv.Key), kv.Value)), migration);
    }

    private static string Endpoint(int shard) => $"http://docs-shard-{shard}.default.svc:6333";
}
