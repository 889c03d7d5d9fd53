using System.Collections.Concurrent;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Watching;
using RagOperator.Router.RoutingSource;
using RagOperator.Routing;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class ConfigMapRoutingSourceTests : IAsyncLifetime, IDisposable
{
    private InProcessKubernetesApiServer apiServer = null!;
    private KubernetesClient kube = null!;

    public async Task InitializeAsync()
    {
        apiServer = await InProcessKubernetesApiServer.StartAsync();
        kube = new KubernetesClient(KubernetesClientConfiguration.ForServer(apiServer.BaseUri));
    }

    public async Task DisposeAsync() => await apiServer.DisposeAsync();

    public void Dispose() => kube.Dispose();

    [Fact]
    public async Task A_config_map_created_after_the_router_started_is_picked_up_and_a_missing_key_is_reported()
    {
        var sink = new RecordingSink();
        var source = new ConfigMapRoutingSource(kube, "default", "docs-routing", watcherOptions: FastWatch());
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(sink, stop.Token);

        await kube.CreateAsync(ConfigMap("docs-routing", new Dictionary<string, string> { ["other.json"] = "{}" }));
        await Eventually(() => sink.Problems.Any(p => p.Contains("has no data key 'routing.json'", StringComparison.Ordinal)));
        await kube.CreateAsync(ConfigMap("docs-routing-v1", new Dictionary<string, string> { ["routing.json"] = "history" }));
        await Update("docs-routing", "first");
        await Eventually(() => sink.Documents.Contains("first"));

        sink.Documents.Should().NotContain("history", "only the named ConfigMap is watched");
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_dropped_watch_resumes_and_misses_no_publication()
    {
        await kube.CreateAsync(ConfigMap("docs-routing", new Dictionary<string, string> { ["routing.json"] = "v1" }));
        var sink = new RecordingSink();
        var source = new ConfigMapRoutingSource(kube, "default", "docs-routing", watcherOptions: FastWatch());
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(sink, stop.Token);
        await Eventually(() => sink.Documents.Contains("v1"));

        apiServer.Faults.DropOpenWatches();
        await Update("docs-routing", "v2");
        apiServer.Faults.DropOpenWatches();
        await Update("docs-routing", "v3");

        await Eventually(() => sink.Documents.Contains("v3"));
        sink.Documents.Should().ContainInOrder("v1", "v2", "v3");
        await stop.CancelAsync();
        await running;
    }

    private static WatcherOptions FastWatch() =>
        new() { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(100) };

    private static ConfigMap ConfigMap(string name, Dictionary<string, string> data) =>
        new() { Metadata = new ObjectMeta { Name = name, Namespace = "default" }, Data = data };

    private async Task Update(string name, string document)
    {
        var configMap = await kube.GetAsync<ConfigMap>(name, "default");
        configMap.Data = new Dictionary<string, string> { ["routing.json"] = document };
        await kube.UpdateAsync(configMap);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        condition().Should().BeTrue();
    }

    /// <summary>Records what the source delivers; accepts nothing (documents here are not tables).</summary>
    private sealed class RecordingSink : IRoutingSink
    {
        public ConcurrentQueue<string> Documents { get; } = new();

        public ConcurrentQueue<string> Problems { get; } = new();

        public RoutingTableUpdate Offer(string document, string origin)
        {
            Documents.Enqueue(document);
            return new RoutingTableUpdate(RoutingTableUpdateOutcome.Invalid, null, "recorded");
        }

        public void Problem(string message) => Problems.Enqueue(message);
    }
}
