using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Demo.Measurement;
using RagOperator.Demo.Output;
using RagOperator.Kubernetes.Client;
using RagOperator.Operator.Migration;
using RagOperator.Sandbox;
using RagOperator.Workload;
using MigrationPhase = RagOperator.Api.V1Alpha1.MigrationPhase;

namespace RagOperator.Demo;

/// <summary>
/// The demo, step by step: start the sandbox; create the Secrets the sample references (random keys, never printed);
/// apply the sample and wait for Ready; load points through the routers while searching; scan the shards; patch
/// spec.shards like a user would and follow the migration live while writers insert, update and delete and searchers
/// search; when it is Done stop the workload, scan the shards again and check everything against the oracle. Every wait
/// is bounded by <see cref="DemoOptions.StepTimeout"/>; a timeout or a broken invariant makes the exit code non-zero.
/// </summary>
public sealed class DemoRunner(DemoOptions options, IDemoView view)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RunStepsAsync(cancellationToken);
        }
        catch (DemoFailedException failure)
        {
            view.Lines([$"demo failed: {failure.Message}"]);
            return 1;
        }
        catch (TimeoutException timeout)
        {
            view.Lines([$"demo timed out: {timeout.Message}"]);
            return 1;
        }
    }

    private async Task<int> RunStepsAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.GetTimestamp();
        var samplePath = options.SamplePath ?? Path.Combine(AppContext.BaseDirectory, DemoOptions.DefaultSample);
        var sample = SampleManifest.Load(samplePath, options);
        if (sample.Shards == options.ToShards) throw new DemoFailedException($"the collection already has {sample.Shards} shards; pass --to-shards with another count");

        view.Step("Starting the sandbox: in-process Kubernetes API server, workload simulator, operator, Qdrant shards and routers");
        await using var sandbox = await Sandbox.Sandbox.StartAsync(new SandboxOptions(), cancellationToken);
        view.Info($"API server at {sandbox.ApiServer.BaseUri}, namespace {sandbox.Namespace}");

        var (qdrantKey, routerKey) = await sample.CreateSecretsAsync(
            sandbox, (name, key) => view.Info($"created Secret {name} (key {key}: a random 256-bit API key, not shown)"), cancellationToken);
        view.Step($"Applying {Path.GetFileName(samplePath)}: VectorCollection {sample.Name}, {sample.Shards} shards, dimension {sample.Dimension}, {sample.Routers} routers");
        var readyWatch = Stopwatch.GetTimestamp();
        await sandbox.ApplyYamlAsync(sample.ToYaml(), cancellationToken);
        var ready = await sandbox.WaitForConditionAsync(sample.Name, "Ready", timeout: options.StepTimeout, cancellationToken: cancellationToken);
        var readyAfter = Stopwatch.GetElapsedTime(readyWatch);
        var trust = await sandbox.TrustAsync(sample.Name, cancellationToken: cancellationToken);
        var cluster = new DemoCluster(sandbox, sample.Name, qdrantKey, trust);
        var routers = await cluster.WaitForRoutersAsync(sample.Routers, ready.Status?.Routing?.ActiveVersion ?? 1, options.StepTimeout, cancellationToken);
        view.Info(string.Create(CultureInfo.InvariantCulture,
            $"Ready after {readyAfter.TotalSeconds:0.0} s: phase {ready.Status?.Phase}, routing v{ready.Status?.Routing?.ActiveVersion}, shards {Shards(ready)}"));
        view.Info(await cluster.DescribeTlsAsync(ready, routers, cancellationToken));

        using var http = await sandbox.RouterHttpClientAsync(sample.Name, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        using var grpc = options.Api == RouterApi.QdrantGrpc
            ? new QdrantRouterClient([.. routers.Select(r => r.GrpcUri)], sample.Name, routerKey,
                () => trust?.CreateHandler(TimeSpan.FromMinutes(5)) ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            : null;
        IRouterClient client = grpc is null ? new RouterClient(http, [.. routers.Select(r => r.BaseUri)], sample.Name, routerKey) : grpc;
        var oracle = new AckOracle();
        var driver = new WorkloadDriver(client, oracle, new WorkloadOptions
        {
            Dimension = sample.Dimension,
            Writers = options.Writers,
            Searchers = options.Searchers,
            Seed = options.Seed,
        });

        view.Step(string.Create(CultureInfo.InvariantCulture, $"Writing {options.Points:N0} points through {routers.Count} routers ({Describe(options.Api)}) while {options.Searchers} searchers search"));
        var loadWatch = Stopwatch.GetTimestamp();
        await LoadWhileSearchingAsync(driver, cancellationToken);
        var loadDuration = Stopwatch.GetElapsedTime(loadWatch);
        var loadSearches = driver.Stats.SearchLatency.TakeWindow();
        if (driver.Stats.FailedWriteRequests > 0)
        {
            view.Info($"{driver.Stats.FailedWriteRequests} write requests were not acknowledged while loading (the oracle accounts for them)");
        }

        var before = await cluster.ScanAsync(cancellationToken);
        view.Info($"scanned the shards: {DescribeScan(before)}");

        view.Step($"Scaling {sample.Name} from {sample.Shards} to {options.ToShards} shards (merge patch of spec.shards) while writers insert, update and delete");
        var writesBefore = driver.Stats.WriteRequests;
        var failedWritesBefore = driver.Stats.FailedWriteRequests;
        using var stopWorkload = new CancellationTokenSource();
        var workload = Task.Run(() => driver.RunAsync(stopWorkload.Token, searchPause: options.SearchPause), CancellationToken.None);
        var migrationWatch = Stopwatch.GetTimestamp();
        var timeline = new PhaseTimeline();
        MigrationStatus finished;
        try
        {
            await sandbox.Client.PatchAsync<VectorCollection>(sample.Name, sandbox.Namespace,
                KubernetesPatch.Merge(new JsonObject { ["spec"] = new JsonObject { ["shards"] = options.ToShards } }), cancellationToken);
            finished = await view.ShowMigrationAsync(report => cluster.FollowMigrationAsync(options.ToShards, driver.Stats, timeline, report, options.StepTimeout, cancellationToken));
        }
        finally
        {
            await stopWorkload.CancelAsync();
            await workload;
        }

        var migrationDuration = Stopwatch.GetElapsedTime(migrationWatch);
        var migrationSearches = driver.Stats.SearchLatency.TakeWindow();
        view.Info($"migration {finished.Id} Done: {finished.Progress?.PointsCopied:N0} points copied, {finished.VerifyPasses} verify passes");
        view.Info($"phases: {timeline}");

        view.Step("Stopped the workload; scanning every shard and checking it against the acknowledged-write oracle");
        var finalTable = await cluster.StableTableAsync(options.ToShards, options.StepTimeout, cancellationToken);
        var after = await cluster.ScanAsync(cancellationToken);
        view.Info($"scanned the shards: {DescribeScan(after)}");
        var report = InvariantReport.Check(oracle, finalTable, after, driver.Stats.FailedSearches);
        var moved = MovedFraction.Measure(before, after);
        foreach (var sampleFailure in driver.Stats.FailureSamples.Take(5)) view.Info($"failure: {sampleFailure}");

        var figures = new DemoFigures
        {
            FromShards = sample.Shards,
            ToShards = options.ToShards,
            Routers = routers.Count,
            ReadyAfter = readyAfter,
            PointsLoaded = options.Points,
            LoadDuration = loadDuration,
            MigrationDuration = migrationDuration,
            CopyDuration = timeline.DurationOf(nameof(MigrationPhase.Copying)),
            PointsCopied = finished.Progress?.PointsCopied ?? 0,
            WriteRequestsDuringMigration = driver.Stats.WriteRequests - writesBefore,
            FailedWriteRequests = driver.Stats.FailedWriteRequests - failedWritesBefore,
            LoadSearchLatency = loadSearches,
            MigrationSearchLatency = migrationSearches,
            FinalRoutingVersion = finalTable.Version,
            Total = Stopwatch.GetElapsedTime(total),
        };
        view.Lines([""]);
        view.Lines(DemoSummary.HumanLines(figures));
        view.Lines(DemoSummary.DiagnosticLines(report));
        view.Lines(DemoSummary.FinalLines(report, moved, sample.Shards, options.ToShards));
        return report.Holds ? 0 : 1;
    }

    private async Task LoadWhileSearchingAsync(WorkloadDriver driver, CancellationToken cancellationToken)
    {
        using var loaded = new CancellationTokenSource();
        var searching = Task.Run(async () =>
        {
            // One search per searcher per round, so searching stops soon after loading does.
            while (!loaded.IsCancellationRequested && options.Searchers > 0)
            {
                await driver.SearchOnlyAsync(1);
                await Task.Delay(options.SearchPause, CancellationToken.None);
            }
        }, CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.StepTimeout);
        try
        {
            await view.ShowProgressAsync("points written", options.Points, report => driver.LoadAsync(options.Points, options.LoadBatch, report, deadline.Token));
        }
        finally
        {
            await loaded.CancelAsync();
            await searching;
        }

        if (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"loading {options.Points:N0} points took longer than {options.StepTimeout.TotalSeconds:0} s");
        }
    }

    private static string Shards(VectorCollection collection) =>
        string.Join(", ", collection.Status?.Shards?.Select(s => $"{s.Name} {(s.Ready ? "ready" : "not ready")}") ?? []);

    private static string DescribeScan(IReadOnlyDictionary<ulong, List<PointCopy>> found) =>
        string.Create(CultureInfo.InvariantCulture, $"{found.Count:N0} points; ") +
        string.Join(", ", found.Values.SelectMany(c => c).GroupBy(c => c.Shard).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"shard {g.Key}: {g.Count():N0}")));

    private static string Describe(RouterApi api) => api == RouterApi.QdrantGrpc ? "Qdrant's gRPC API, official client" : "the router's /v1 JSON API";
}

/// <summary>A step of the demo could not complete; the message says which and why.</summary>
public sealed class DemoFailedException(string message) : Exception(message);
