using System.Diagnostics;
using System.Globalization;
using RagOperator.Api.V1Alpha1;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Support;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Operator.Seams;
using RagOperator.Sandbox;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// Reconcile throughput for many collections, and <c>noop_reconcile_writes</c>: the write requests the operator sends
/// while it reconciles collections that need nothing (must be 0). The Sandbox runs with every shard on ONE shared
/// in-process Qdrant server (<see cref="SandboxOptions.SharedQdrant"/>; one-shard collections) and without in-process
/// routers (router pods are simulated, the operator sees no router endpoints to ask), so the figures are the operator's,
/// not the cost of thousands of servers. Steps: create all collections with the operator stopped; start it and time
/// until every collection is Ready; let status settle; count writes and reconciles over a steady window (healthy
/// resync every 2 s); restart the operator, which reconciles every collection once more, and time that no-op burst.
/// </summary>
public sealed class ReconcileSuite : IBenchmarkSuite
{
    private const int ApplyParallelism = 8;
    private static readonly TimeSpan HealthyResync = TimeSpan.FromSeconds(2);

    public string Name => "reconcile";

    public async Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var count = context.Sizes.ReconcileCollections;
        var timeout = context.Sizes.IsSmoke ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(8);
        var metrics = Prometheus.Metrics.NewCustomRegistry();
        await using var sandbox = await Sandbox.Sandbox.StartAsync(new SandboxOptions
        {
            OperatorMetrics = metrics,
            SharedQdrant = true,
            StartRouters = false,
            RouterEndpoints = new NoRouterEndpoints(),
            StartOperator = false,
            HealthyResync = HealthyResync,

            // Nothing in the product reads EndpointSlices; keeping thousands of them up to date would measure the simulator.
            Simulator = new WorkloadSimulatorOptions { ReadyDelay = TimeSpan.FromMilliseconds(50), ManageEndpointSlices = false },
        }, cancellationToken);
        var reconciles = new ReconcileCounter(metrics);
        var names = Enumerable.Range(0, count).Select(i => $"c-{i:D4}").ToList();

        context.Log.WriteLine($"  creating {count} collections (operator stopped)");
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = ApplyParallelism, CancellationToken = cancellationToken },
            async (name, token) => await sandbox.ApplyAsync(SandboxCollections.Collection(name, shards: 1, dimension: 8, routers: 1), token));
        var baselineHeap = MemorySampler.LiveHeap();
        var baselineWorkingSet = MemorySampler.WorkingSet();

        context.Log.WriteLine("  starting the operator; waiting until every collection is Ready");
        TimeSpan toReady;
        long peakWorkingSet, peakHeap, operatorHeap;
        await using (var memory = new MemorySampler())
        {
            var watch = Stopwatch.GetTimestamp();
            await sandbox.StartOperatorAsync(cancellationToken);
            await WaitAllReadyAsync(sandbox, count, timeout, context.Log, cancellationToken);
            toReady = Stopwatch.GetElapsedTime(watch);
            peakWorkingSet = memory.PeakWorkingSet;
            peakHeap = memory.PeakHeap;
            operatorHeap = MemorySampler.LiveHeap() - baselineHeap;
        }

        await SettleAsync(sandbox, cancellationToken);
        var observation = context.Sizes.NoopObservation;
        context.Log.WriteLine($"  steady window of {observation.TotalSeconds:0} s");
        var (writesBefore, reconcilesBefore) = (sandbox.ApiServer.WriteCount, reconciles.Reconciles);
        var requestsBefore = sandbox.ApiServer.Requests.Count;
        await Task.Delay(observation, cancellationToken);
        var steadyWrites = sandbox.ApiServer.WriteCount - writesBefore;
        var steadyReconciles = reconciles.Reconciles - reconcilesBefore;
        var steadyRequests = sandbox.ApiServer.Requests.Skip(requestsBefore).Where(r => r.Verb != "watch").ToList();
        var requestMix = string.Join(", ", steadyRequests.GroupBy(r => $"{r.Verb} {r.Resource}{(r.Subresource is null ? "" : "/" + r.Subresource)}")
            .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"));

        context.Log.WriteLine("  restarting the operator: one no-op reconcile per collection");
        await sandbox.StopOperatorAsync();
        (writesBefore, reconcilesBefore) = (sandbox.ApiServer.WriteCount, reconciles.Reconciles);
        var burstWatch = Stopwatch.GetTimestamp();
        await sandbox.StartOperatorAsync(cancellationToken);
        await Sandbox.Sandbox.WaitForAsync<object>(
            _ => Task.FromResult(reconciles.Reconciles - reconcilesBefore >= count ? new object() : null),
            timeout, $"{count} reconciles after the restart", cancellationToken);
        var burst = Stopwatch.GetElapsedTime(burstWatch);
        var burstWrites = sandbox.ApiServer.WriteCount - writesBefore;
        var noopWrites = steadyWrites + burstWrites;

        // The API server's event history is the one large owner that can be released on its own; the operator cannot
        // be separated this way (its informers hold the same objects the API server stores), so the operator's figure
        // stays an upper bound: the whole process.
        var liveAtEnd = MemorySampler.LiveHeap();
        sandbox.ApiServer.Compact();
        var historyLive = liveAtEnd - MemorySampler.LiveHeap();

        var headlines = new List<Headline>
        {
            new("noop_reconcile_writes", noopWrites.ToString(CultureInfo.InvariantCulture),
                $"write requests during {steadyReconciles:N0} steady and {count:N0} post-restart no-op reconciles of {count:N0} collections (must be 0)"),
            new($"reconcile_to_ready_{count}_collections", Format.Rate(count / toReady.TotalSeconds, "collections/s"),
                $"{count:N0} one-shard collections from operator start to all Ready in {toReady.TotalSeconds:0.0} s"),
            new("noop_reconciles_per_s", Format.Rate(count / burst.TotalSeconds, "reconciles/s"),
                $"{count:N0} no-op reconciles right after an operator restart in {burst.TotalSeconds:0.0} s (incl. informer sync)"),
            new("operator_peak_memory", $"{Format.Bytes(peakWorkingSet)} working set (upper bound)",
                $"peak of the whole process (API server, simulator, Qdrant, operator) while reconciling {count:N0} collections; GC heap peak {Format.Bytes(peakHeap)}"),
        };
        var section = new Section($"Reconciling {count:N0} collections",
            $"One-shard collections (dimension 8, 1 router replica) created while the operator was stopped; the operator with " +
            $"{new SandboxOptions().OperatorWorkers} workers, healthy resync every {HealthyResync.TotalSeconds:0} s.",
            ["measure", "value"],
            [
                ["collections to Ready", $"{toReady.TotalSeconds:0.0} s ({Format.Rate(count / toReady.TotalSeconds, "collections/s")})"],
                ["steady window", $"{observation.TotalSeconds:0} s: {steadyReconciles:N0} reconciles ({Format.Rate(steadyReconciles / observation.TotalSeconds, "reconciles/s")}), {steadyWrites} write requests"],
                ["API requests in the steady window", steadyRequests.Count == 0 ? "none" : $"{steadyRequests.Count:N0} ({requestMix})"],
                ["after a restart", $"{count:N0} reconciles in {burst.TotalSeconds:0.0} s ({Format.Rate(count / burst.TotalSeconds, "reconciles/s")}), {burstWrites} write requests"],
                ["process working set", $"{Format.Bytes(baselineWorkingSet)} before the operator started, peak {Format.Bytes(peakWorkingSet)}"],
                ["GC heap", $"live {Format.Bytes(baselineHeap)} before the operator started, {Format.Bytes(baselineHeap + operatorHeap)} once all were Ready, peak {Format.Bytes(peakHeap)}"],
                ["live heap at the end", $"{Format.Bytes(liveAtEnd)}, of which the API server's event history {Format.Bytes(historyLive)} (freed by compaction)"],
            ])
        {
            Notes =
            [
                "Every shard lives on one shared in-process Qdrant server (SandboxOptions.SharedQdrant) and routers are not started, so the process holds " +
                "the API server's objects, the simulator, one Qdrant and the operator; the memory figures are upper bounds for the operator alone.",
                "Write requests are the in-process API server's count of requests that changed storage (its WriteCount); the workload simulator's writes are not requests.",
            ],
        };
        var result = new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started));
        if (noopWrites == 0) return result;
        var writes = sandbox.ApiServer.Requests.Skip(requestsBefore).Where(r => r.Committed).Take(10)
            .Select(r => $"{r.Verb} {r.Resource} {r.Namespace}/{r.Name}{(r.Subresource is null ? "" : "/" + r.Subresource)}");
        return result with { Error = $"noop_reconcile_writes is {noopWrites}, must be 0; first writes: {string.Join(", ", writes)}" };
    }

    /// <summary>
    /// Lists the collections once a second (a list of every collection is not free for the API server, so no faster)
    /// until all are Ready; progress and the reasons of the rest go to the log every 10 s and into the timeout message.
    /// </summary>
    private static async Task WaitAllReadyAsync(Sandbox.Sandbox sandbox, int count, TimeSpan timeout, TextWriter log, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var lastReport = started;
        while (true)
        {
            var ready = 0;
            var waiting = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var collection in sandbox.Client.ListAllAsync<VectorCollection>(sandbox.Namespace, cancellationToken: cancellationToken))
            {
                var condition = collection.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
                if (collection.Status?.ObservedGeneration == collection.Metadata.Generation && condition?.Status == "True")
                {
                    ready++;
                    continue;
                }

                var reason = condition?.Reason ?? "no status yet";
                waiting[reason] = waiting.GetValueOrDefault(reason) + 1;
            }

            if (ready == count) return;
            var why = string.Join(", ", waiting.OrderByDescending(w => w.Value).Select(w => $"{w.Key}: {w.Value}"));
            if (Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException($"only {ready}/{count} collections Ready after {timeout.TotalSeconds:0} s; the others: {why}");
            if (Stopwatch.GetElapsedTime(lastReport) > TimeSpan.FromSeconds(10))
            {
                log.WriteLine($"    {ready}/{count} Ready; waiting: {why}");
                lastReport = Stopwatch.GetTimestamp();
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Waits (bounded) until the API server has seen no write for two seconds: status conditions and counts settled.</summary>
    private static async Task SettleAsync(Sandbox.Sandbox sandbox, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        var last = sandbox.ApiServer.WriteCount;
        var quietSince = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(quietSince) < TimeSpan.FromSeconds(2) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            var now = sandbox.ApiServer.WriteCount;
            if (now != last) (last, quietSince) = (now, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>No router endpoints: router pods are simulated without in-process routers, so there is nobody to ask.</summary>
    private sealed class NoRouterEndpoints : IRouterEndpointResolver
    {
        public Task<IReadOnlyList<RouterEndpoint>> ResolveAsync(string @namespace, string collection, bool tls, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RouterEndpoint>>([]);
    }
}
