using System.Diagnostics;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Support;
using RagOperator.Operator.Migration;
using RagOperator.Sandbox;
using RagOperator.Workload;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// <c>search_p99_during_migration_vs_idle</c>: search latency through the routers while a stream migration runs, divided
/// by the latency of the same searches on the same collection at rest. The whole product in the Sandbox (operator,
/// routers watching their ConfigMap, in-process shards); the searches come from <see cref="WorkloadDriver"/> and its
/// latency windows. Searches only, in both windows, so the difference is the migration's doing.
/// </summary>
public sealed class SearchDuringMigrationSuite : IBenchmarkSuite
{
    private const string Collection = "bench";
    private const int Searchers = 2;

    public string Name => "search_during_migration";

    public async Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sizes = context.Sizes;
        var timeout = sizes.IsSmoke ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(5);
        await using var sandbox = await Sandbox.Sandbox.StartAsync(new SandboxOptions(), cancellationToken);
        await sandbox.ApplyAsync(SandboxCollections.Collection(Collection, sizes.MigrationFromShards, sizes.MigrationDimension, routers: 2), cancellationToken);
        await sandbox.WaitForConditionAsync(Collection, "Ready", timeout: timeout, cancellationToken: cancellationToken);
        var routers = await Sandbox.Sandbox.WaitForAsync<IReadOnlyList<Router.RouterHandle>>(
            _ => Task.FromResult(sandbox.RoutersOf(Collection) is { Count: 2 } r && r.All(x => x.ServedVersion >= 1) ? r : null),
            timeout, "2 routers serving the first routing table", cancellationToken);

        using var http = await sandbox.RouterHttpClientAsync(Collection, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        var client = new RouterClient(http, [.. routers.Select(r => r.BaseUri)], Collection, apiKey: null);
        var driver = new WorkloadDriver(client, new AckOracle(), new WorkloadOptions
        {
            Dimension = sizes.MigrationDimension,
            Writers = 4,
            Searchers = Searchers,
            Seed = context.Seed,
        });
        context.Log.WriteLine($"  loading {sizes.MigrationPoints:N0} points through the routers");
        await driver.LoadAsync(sizes.MigrationPoints, 256, cancellationToken: cancellationToken);
        if (driver.Stats.FailedWriteRequests > 0) throw new InvalidOperationException($"{driver.Stats.FailedWriteRequests} load requests failed");

        // Warm up, then the idle window: the same number of searches the migration window is likely to see.
        await driver.SearchOnlyAsync(sizes.IsSmoke ? 3 : 20);
        driver.Stats.SearchLatency.TakeWindow();
        await driver.SearchOnlyAsync(sizes.IsSmoke ? 20 : 400);
        var idle = driver.Stats.SearchLatency.TakeWindow();

        context.Log.WriteLine($"  scaling {sizes.MigrationFromShards} -> {sizes.MigrationToShards} shards while searching");
        var migrationWatch = Stopwatch.GetTimestamp();
        using var migrated = new CancellationTokenSource();
        var searching = Task.Run(async () =>
        {
            while (!migrated.IsCancellationRequested) await driver.SearchOnlyAsync(2);
        }, CancellationToken.None);
        Api.V1Alpha1.VectorCollection done;
        try
        {
            done = await SandboxCollections.ScaleAsync(sandbox, Collection, sizes.MigrationToShards, timeout, cancellationToken);
        }
        finally
        {
            await migrated.CancelAsync();
            await searching;
        }

        var migrationTime = Stopwatch.GetElapsedTime(migrationWatch);
        var during = driver.Stats.SearchLatency.TakeWindow();
        if (driver.Stats.FailedSearches > 0) throw new InvalidOperationException($"{driver.Stats.FailedSearches} searches failed: {string.Join("; ", driver.Stats.FailureSamples)}");

        var copied = done.Status!.Migration!.Progress?.PointsCopied ?? 0;
        var headlines = new List<Headline>
        {
            new("search_p99_during_migration_vs_idle", Format.Ratio(during.P99 / idle.P99),
                $"p99 {Format.Ms(during.P99)} during {sizes.MigrationFromShards}→{sizes.MigrationToShards} vs {Format.Ms(idle.P99)} idle"),
        };
        var section = new Section("Search latency during a migration vs at rest",
            $"{sizes.MigrationPoints:N0} points of dimension {sizes.MigrationDimension}, 2 routers, {Searchers} concurrent searchers (top-10 with payload), " +
            $"{sizes.MigrationFromShards}→{sizes.MigrationToShards} shards: {copied:N0} points copied, {migrationTime.TotalSeconds:0.0} s from the patch to Done.",
            ["window", "searches", "p50", "p99", "max"],
            [
                ["idle", Format.Number(idle.Count), Format.Ms(idle.P50), Format.Ms(idle.P99), Format.Ms(idle.Max)],
                ["during migration", Format.Number(during.Count), Format.Ms(during.P50), Format.Ms(during.P99), Format.Ms(during.Max)],
                ["during / idle", "", Format.Ratio(during.P50 / idle.P50), Format.Ratio(during.P99 / idle.P99), Format.Ratio(during.Max / idle.Max)],
            ])
        {
            Notes = ["Operator, routers, shards and searchers share this process and its cores, so copy work competes with searches for CPU — a cluster spreads them over pods."],
        };
        return new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started));
    }
}
