using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using RagOperator.Benchmarks.Reporting;

namespace RagOperator.Benchmarks.Micro;

/// <summary>
/// The pure hot paths under BenchmarkDotNet: XXH64 cell computation, top-k merge, routing-table parse. The in-process
/// emit toolchain runs them inside this process (no child build, so it works from <c>dotnet run</c> on a machine without
/// extra tooling); ShortRun (3 warm-ups, 3 iterations) for the recorded run, Dry (one iteration) for the smoke run.
/// </summary>
public sealed class MicroBenchmarkSuite : IBenchmarkSuite
{
    private static readonly Type[] Benchmarks = [typeof(CellHashBenchmarks), typeof(TopKMergeBenchmarks), typeof(RoutingTableParseBenchmarks)];

    public string Name => "micro_benchmarks";

    public Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var job = (context.Sizes.IsSmoke ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var log = new AccumulationLogger();
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(log)
            .AddColumnProvider(BenchmarkDotNet.Columns.DefaultColumnProviders.Instance)
            // `dotnet run` without -c Release still gives honest relative figures; the recorded run uses Release.
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "rag-bench-artifacts"));

        var rows = new List<IReadOnlyList<string>>();
        var headlines = new List<Headline>();
        foreach (var type in Benchmarks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.Log.WriteLine($"  BenchmarkDotNet: {type.Name}");
            var summary = BenchmarkRunner.Run(type, config);
            if (summary.HasCriticalValidationErrors || summary.Reports.IsEmpty || summary.Reports.Any(r => r.ResultStatistics is null))
            {
                throw new InvalidOperationException($"BenchmarkDotNet could not run {type.Name}:\n{Tail(log.GetLog())}");
            }

            foreach (var report in summary.Reports)
            {
                var benchmark = report.BenchmarkCase;
                var parameters = benchmark.HasParameters ? benchmark.Parameters.DisplayInfo : "";
                var mean = report.ResultStatistics!.Mean;
                var allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmark);
                rows.Add([type.Name.Replace("Benchmarks", "", StringComparison.Ordinal), benchmark.Descriptor.WorkloadMethod.Name, parameters,
                    Format.Ns(mean), Format.Ns(report.ResultStatistics.StandardError), allocated is { } bytes ? $"{bytes:N0} B" : "n/a"]);
                if (benchmark.Descriptor.WorkloadMethod.Name == nameof(CellHashBenchmarks.IntegerIdCell))
                    headlines.Add(new Headline("xxh64_cell_ns", Format.Ns(mean), "one integer point id → canonical text → XXH64 → cell"));
                if (benchmark.Descriptor.WorkloadMethod.Name == nameof(TopKMergeBenchmarks.Merge)
                    && Equals(benchmark.Parameters[nameof(TopKMergeBenchmarks.Shards)], 4) && Equals(benchmark.Parameters[nameof(TopKMergeBenchmarks.TopK)], 10))
                    headlines.Add(new Headline("topk_merge_4x10_ns", Format.Ns(mean), "merge 4 shards' top-10 into the global top-10"));
                if (benchmark.Descriptor.WorkloadMethod.Name == nameof(RoutingTableParseBenchmarks.ParseMigratingTable))
                    headlines.Add(new Headline("routing_table_parse_ns", Format.Ns(mean), "parse + validate an 8→16-shard migration table (16 384 cells)"));
            }
        }

        var section = new Section("Micro-benchmarks (BenchmarkDotNet)",
            $"Job: {(context.Sizes.IsSmoke ? "Dry" : "ShortRun")}, in-process emit toolchain, MemoryDiagnoser. Mean time per operation.",
            ["suite", "method", "parameters", "mean", "std. error", "allocated / op"], rows);
        return Task.FromResult(new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started)));
    }

    private static string Tail(string log)
    {
        var lines = log.Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 40)));
    }
}
