using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Rendering;
using RagOperator.Sandbox;
using SandboxHost = RagOperator.Sandbox.Sandbox;
using RagOperator.TestSupport.Prometheus;
using Xunit;

namespace RagOperator.IntegrationTests;

public sealed class OperatorHostTests
{
    [Fact]
    public async Task The_operator_serves_health_and_per_collection_metrics()
    {
        await using var sandbox = await Collections.StartSandboxAsync();
        await Collections.CreateReadyAsync(sandbox, Collections.Docs());
        using var http = new HttpClient();

        (await http.GetAsync(new Uri(sandbox.Operator!.HealthUri!, "/healthz"))).IsSuccessStatusCode.Should().BeTrue();
        (await http.GetAsync(new Uri(sandbox.Operator.HealthUri!, "/readyz"))).IsSuccessStatusCode.Should().BeTrue();

        var text = await http.GetStringAsync(new Uri(sandbox.Operator.MetricsUri!, "/metrics"));
        var metrics = PrometheusTextParser.Parse(text);
        metrics.Value("ragoperator_collection_shards_ready", ("collection", "docs")).Should().Be(2);
        metrics.Value("ragoperator_collection_shards_desired", ("collection", "docs")).Should().Be(2);
        metrics.Value("ragoperator_collection_routing_version", ("collection", "docs")).Should().Be(1);
        text.Should().Contain("ragoperator_collection_points{").And.Contain("shard=\"1\"");
    }

    [Fact]
    public async Task With_watch_namespaces_only_collections_there_are_reconciled()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { WatchNamespaces = ["team-a", "team-b"] });
        await sandbox.ApplyAsync(new Namespace { Metadata = new ObjectMeta { Name = "team-a" } });
        foreach (var ns in new[] { "team-a", "default" })
        {
            await sandbox.CreateSecretAsync("docs-qdrant", "api-key", Collections.QdrantKey, ns);
            await sandbox.CreateSecretAsync("docs-router", "api-key", Collections.RouterKey, ns);
            var collection = Collections.Docs();
            collection.Metadata.Namespace = ns;
            await sandbox.ApplyAsync(collection);
        }

        await sandbox.WaitForConditionAsync("docs", "Ready", @namespace: "team-a");
        (await sandbox.GetCollectionAsync("docs", "default")).Status.Should().BeNull("default is not watched");
        (await sandbox.Client.ListAsync<StatefulSet>("default")).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Render_applies_the_same_defaults_as_the_api_server()
    {
        await using var sandbox = await SandboxHost.StartAsync(new SandboxOptions { StartOperator = false, StartRouters = false });
        const string Minimal = """
            apiVersion: ragoperator.io/v1alpha1
            kind: VectorCollection
            metadata:
              name: minimal
            spec:
              dimension: 16
              quantization:
                type: product
                compression: x8
            """;

        await sandbox.ApplyYamlAsync(Minimal);
        var stored = await sandbox.GetCollectionAsync("minimal");
        var rendered = ManifestReader.Read([("minimal.yaml", Minimal)], sandbox.Namespace).Collections.Single();

        JsonNode.DeepEquals(Spec(stored), Spec(rendered)).Should().BeTrue($"API server: {Spec(stored)}\nrender: {Spec(rendered)}");
    }

    private static JsonNode Spec(VectorCollection collection) => JsonSerializer.SerializeToNode(collection.Spec, KubernetesJson.Options)!;
}
