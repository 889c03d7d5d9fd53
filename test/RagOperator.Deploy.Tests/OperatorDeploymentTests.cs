using System.Text.Json.Nodes;
using RagOperator.Deploy.Tests.Infrastructure;

namespace RagOperator.Deploy.Tests;

/// <summary>The operator Deployment honours the runtime contract of the operator binary.</summary>
public sealed class OperatorDeploymentTests
{
    private static readonly string[] ContractArgs =
    [
        "run", "--leader-elect=true", "--metrics-port=8080", "--health-port=8081",
        "--router-image=ghcr.io/ragoperator/rag-router:0.1.0", "--log-format=json",
    ];

    [Theory]
    [InlineData(Rendered.ChartDefaults, "rag-rag-operator")]
    [InlineData(Rendered.Kustomize, "rag-operator")]
    public void The_default_deployment_runs_two_replicas_with_the_contract_arguments(string source, string name)
    {
        var deployment = Rendered.Get(source).Single("Deployment", name);
        var container = Manager(deployment);

        deployment["spec"]!["replicas"]!.GetValue<long>().Should().Be(2);
        container["image"]!.GetValue<string>().Should().Be("ghcr.io/ragoperator/rag-operator:0.1.0");
        Strings(container["args"]).Should().Equal(ContractArgs);
    }

    [Theory]
    [InlineData(Rendered.ChartDefaults, "rag-rag-operator")]
    [InlineData(Rendered.ChartAllOptions, "rag-operator")]
    [InlineData(Rendered.Kustomize, "rag-operator")]
    public void The_pod_gets_its_name_and_namespace_probes_and_a_writable_tmp(string source, string name)
    {
        var deployment = Rendered.Get(source).Single("Deployment", name);
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = Manager(deployment);

        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["valueFrom"]?["fieldRef"]?["fieldPath"]?.GetValue<string>());
        env["POD_NAME"].Should().Be("metadata.name");
        env["POD_NAMESPACE"].Should().Be("metadata.namespace");
        container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/healthz");
        container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/readyz");
        container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>().Should().BeTrue();
        pod["securityContext"]!["runAsUser"]!.GetValue<long>().Should().Be(65532);
        pod["enableServiceLinks"]!.GetValue<bool>().Should().BeFalse();
        var tmp = container["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.GetValue<string>() == "/tmp")!["name"]!.GetValue<string>();
        pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == tmp)!["emptyDir"].Should().NotBeNull();
    }

    [Fact]
    public void Every_option_reaches_the_deployment()
    {
        var rendered = Rendered.Get(Rendered.ChartAllOptions);
        var deployment = rendered.Single("Deployment", "rag-operator");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = Manager(deployment);
        var args = Strings(container["args"]).ToList();

        deployment["spec"]!["replicas"]!.GetValue<long>().Should().Be(3);
        container["image"]!.GetValue<string>().Should().Be("registry.example.com/platform/rag-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        args.Should().Contain("--watch-namespaces=team-a,team-b,team-c")
            .And.Contain("--otlp-endpoint=http://otel-collector.observability:4317")
            .And.Contain("--metrics-port=9090").And.Contain("--health-port=9091")
            .And.Contain("--log-format=text")
            .And.Contain("--router-image=registry.example.com/platform/rag-router:0.1.0-ci")
            .And.Contain("--max-concurrent-reconciles=4");
        pod["serviceAccountName"]!.GetValue<string>().Should().Be("rag-operator-controller");
        pod["nodeSelector"]!["kubernetes.io/os"]!.GetValue<string>().Should().Be("linux");
        pod["tolerations"]![0]!["key"]!.GetValue<string>().Should().Be("dedicated");
        pod["priorityClassName"]!.GetValue<string>().Should().Be("platform-critical");
        pod["topologySpreadConstraints"]!.AsArray().Should().HaveCount(1);
        pod["affinity"]!["nodeAffinity"].Should().NotBeNull();
        pod["imagePullSecrets"]![0]!["name"]!.GetValue<string>().Should().Be("regcred");
        deployment["spec"]!["template"]!["metadata"]!["labels"]!["sidecar.istio.io/inject"]!.GetValue<string>().Should().Be("false");
        deployment["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("platform");
        rendered.Single("Service", "rag-operator-metrics")["spec"]!["ports"]![0]!["port"]!.GetValue<long>().Should().Be(9090);
    }

    [Fact]
    public void The_chart_and_kustomize_run_the_same_container()
    {
        var chart = Manager(Rendered.Get(Rendered.ChartDefaults).Single("Deployment", "rag-rag-operator"));
        var kustomize = Manager(Rendered.Get(Rendered.Kustomize).Single("Deployment", "rag-operator"));

        foreach (var field in (string[])["image", "args", "ports", "securityContext", "resources", "volumeMounts"])
        {
            JsonNode.DeepEquals(chart[field], kustomize[field]).Should().BeTrue($"{field} differs: chart {chart[field]?.ToJsonString()} vs kustomize {kustomize[field]?.ToJsonString()}");
        }
    }

    [Fact]
    public void The_metrics_service_and_monitors_point_at_the_metrics_port()
    {
        var rendered = Rendered.Get(Rendered.ChartAllOptions);
        var monitor = rendered.Single("ServiceMonitor", "rag-operator");
        var routers = rendered.Single("PodMonitor", "rag-operator-routers");

        monitor["spec"]!["endpoints"]![0]!["port"]!.GetValue<string>().Should().Be("http-metrics");
        monitor["metadata"]!["labels"]!["release"]!.GetValue<string>().Should().Be("kube-prometheus-stack");
        routers["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>().Should().Be("rag-router");
        Strings(routers["spec"]!["namespaceSelector"]!["matchNames"]).Should().Equal("team-a", "team-b", "team-c");
    }

    [Fact]
    public void The_prometheus_kustomization_renders_the_monitors()
    {
        var monitors = RagOperator.TestSupport.Manifests.YamlDocuments.Load(Tool.Kubectl("kustomize", "config/prometheus").EnsureSuccess().StandardOutput);

        monitors.Select(m => m["kind"]!.GetValue<string>()).Should().BeEquivalentTo("ServiceMonitor", "PodMonitor");
    }

    private static JsonObject Manager(JsonObject deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "manager")!.AsObject();

    private static IEnumerable<string> Strings(JsonNode? list) => list!.AsArray().Select(a => a!.GetValue<string>());
}
