using System.Diagnostics;
using RagOperator.Benchmarks.Reporting;
using RagOperator.Benchmarks.Support;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Router;
using RagOperator.Router.RoutingSource;
using RagOperator.Workload;

namespace RagOperator.Benchmarks.Suites;

/// <summary>
/// <c>routing_propagation_p99_ms</c>: from the write of a new routing version to the <c>&lt;c&gt;-routing</c> ConfigMap
/// (an update request to the in-process API server, as the operator publishes) until every router serves it. Each router
/// loads tables the production way — its own watch on the ConfigMap through <see cref="ConfigMapRoutingSource"/>.
/// Routers are polled every millisecond, which bounds the resolution.
/// </summary>
public sealed class RoutingPropagationSuite : IBenchmarkSuite
{
    private const string Collection = "bench";
    private static readonly TimeSpan PerVersionTimeout = TimeSpan.FromSeconds(30);

    public string Name => "routing_propagation";

    public async Task<SuiteResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sizes = context.Sizes;
        await using var api = await InProcessKubernetesApiServer.StartAsync(cancellationToken: cancellationToken);
        await using var shards = await LoopbackShards.StartAsync(2, Collection, 8, cancellationToken);
        using var kube = new KubernetesClient(KubernetesClientConfiguration.ForServer(api.BaseUri));
        var table = shards.StableTable(1);
        var configMap = await kube.CreateAsync(new ConfigMap
        {
            Metadata = new ObjectMeta { Name = $"{Collection}-routing", Namespace = LoopbackShards.Namespace },
            Data = new Dictionary<string, string> { ["routing.json"] = table.ToJson() },
        }, cancellationToken);

        var routers = new List<RouterHandle>();
        try
        {
            for (var i = 0; i < sizes.PropagationRouters; i++)
            {
                routers.Add(await RouterHost.StartAsync(
                    new RouterOptions { Collection = Collection, RouterName = $"bench-router-{i}", ShardGrpcAddress = shards.GrpcAddress },
                    new ConfigMapRoutingSource(kube, LoopbackShards.Namespace, $"{Collection}-routing"),
                    cancellationToken: cancellationToken));
            }

            foreach (var router in routers) await router.WaitForVersionAsync(1, PerVersionTimeout, cancellationToken);
            context.Log.WriteLine($"  {sizes.PropagationVersions} versions to {routers.Count} routers");
            var samples = new List<double>();
            for (var version = 2L; version < 2 + sizes.PropagationVersions; version++)
            {
                table = shards.StableTable(version);
                configMap.Data!["routing.json"] = table.ToJson();
                var published = Stopwatch.GetTimestamp();
                configMap = await kube.UpdateAsync(configMap, cancellationToken);
                await WaitForAllAsync(routers, version, cancellationToken);
                samples.Add(Stopwatch.GetElapsedTime(published).TotalMilliseconds);

                // Versions published back to back would measure queueing in the watch, not propagation.
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }

            var summary = LatencySummary.Of(samples);
            var headlines = new List<Headline>
            {
                new("routing_propagation_p99_ms", Format.Ms(summary.P99), $"ConfigMap update → all {routers.Count} routers serve it (p50 {Format.Ms(summary.P50)})"),
            };
            var section = new Section("Routing-version propagation",
                $"{sizes.PropagationVersions} versions written one after another (20 ms apart) to ConfigMap `{Collection}-routing`; " +
                $"{routers.Count} in-process routers, each with its own watch through the real Kubernetes client.",
                ["routers", "versions", "p50", "p99", "max"],
                [[routers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Format.Number(summary.Count), Format.Ms(summary.P50), Format.Ms(summary.P99), Format.Ms(summary.Max)]])
            {
                Notes = ["In a cluster add the API server's watch fan-out latency (typically milliseconds); kubelet volume refresh, which the watch avoids, takes up to a minute or more."],
            };
            return new SuiteResult(Name, headlines, [section], Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            foreach (var router in routers) await router.DisposeAsync();
        }
    }

    private static async Task WaitForAllAsync(IReadOnlyList<RouterHandle> routers, long version, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(PerVersionTimeout.TotalSeconds * Stopwatch.Frequency);
        while (routers.Any(r => (r.CurrentTable?.Version ?? 0) < version))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"routing v{version} did not reach every router within {PerVersionTimeout.TotalSeconds:0} s: " +
                    string.Join(", ", routers.Select(r => $"{r.BaseUri} serves v{r.CurrentTable?.Version ?? 0}")));
            }

            await Task.Delay(1, cancellationToken);
        }
    }
}
