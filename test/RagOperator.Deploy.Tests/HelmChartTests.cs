using RagOperator.Deploy.Tests.Infrastructure;

namespace RagOperator.Deploy.Tests;

public sealed class HelmChartTests
{
    [Fact]
    public void Helm_lint_passes_with_the_default_values()
    {
        var result = Tool.Helm("lint", "charts/rag-operator", "--strict");

        result.ExitCode.Should().Be(0, result.StandardOutput + result.StandardError);
        result.StandardOutput.Should().Contain("0 chart(s) failed");
    }

    [Fact]
    public void Helm_lint_passes_with_every_option_on()
    {
        var result = Tool.Helm("lint", "charts/rag-operator", "--strict", "-f", Rendered.AllOptionsValues);

        result.ExitCode.Should().Be(0, result.StandardOutput + result.StandardError);
    }

    [Theory]
    [InlineData(Rendered.ChartDefaults, new[] { "ClusterRole", "ClusterRoleBinding", "Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount" })]
    [InlineData(Rendered.ChartAllOptions, new[] { "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "PodMonitor", "Role", "RoleBinding", "Service", "ServiceAccount", "ServiceMonitor" })]
    public void Helm_template_renders_the_expected_kinds(string source, string[] kinds)
    {
        var rendered = Rendered.Get(source);

        rendered.Objects.Select(o => o["kind"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).Should().Equal(kinds);
    }

    [Fact]
    public void Helm_install_dry_run_prints_the_notes()
    {
        var result = Tool.Helm("install", "rag", "charts/rag-operator", "--dry-run=client", "--namespace", "rag-system",
            "-f", Rendered.AllOptionsValues).EnsureSuccess();

        var notes = result.StandardOutput[result.StandardOutput.IndexOf("NOTES:", StringComparison.Ordinal)..];
        notes.Should().Contain("these namespaces: team-a, team-b, team-c")
            .And.Contain("kubectl -n rag-system get lease rag-operator-leader")
            .And.Contain("Traces are exported to http://otel-collector.observability:4317")
            .And.Contain("ConfigMap rag-operator-dashboard");
    }

    [Theory]
    [InlineData("replicaCount=two", "at '/replicaCount': got string, want integer")]
    [InlineData("replicaCount=0", "at '/replicaCount'")]
    [InlineData("bogus=1", "additional properties 'bogus' not allowed")]
    [InlineData("logging.format=xml", "at '/logging/format'")]
    [InlineData("image.pullPolicy=Sometimes", "at '/image/pullPolicy'")]
    [InlineData("metrics.port=70000", "at '/metrics/port'")]
    [InlineData("watchNamespaces[0]=Not_A_Namespace", "at '/watchNamespaces/0'")]
    [InlineData("serviceMonitor.enabled=yes", "at '/serviceMonitor/enabled'")]
    [InlineData("rbac.wildcards=true", "additional properties 'wildcards' not allowed")]
    public void A_wrong_value_fails_helm_template_with_the_schema_error(string assignment, string error)
    {
        var result = Tool.Helm("template", "rag", "charts/rag-operator", "--set", assignment);

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain(error);
    }

    [Fact]
    public void A_values_file_with_a_wrong_type_fails_helm_lint()
    {
        var values = Path.Combine(Path.GetTempPath(), $"rag-operator-bad-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(values, "replicaCount: \"two\"\nunknownKey: true\n");
        try
        {
            var result = Tool.Helm("lint", "charts/rag-operator", "-f", values);

            result.ExitCode.Should().NotBe(0);
            (result.StandardOutput + result.StandardError).Should().Contain("replicaCount").And.Contain("unknownKey");
        }
        finally
        {
            File.Delete(values);
        }
    }

    [Fact]
    public void Network_policies_without_any_namespace_fail_with_a_clear_message()
    {
        var result = Tool.Helm("template", "rag", "charts/rag-operator", "--set", "networkPolicy.enabled=true");

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("networkPolicy.enabled needs watchNamespaces");
    }

    [Fact]
    public void A_namespace_with_both_namespace_wide_and_per_collection_policies_is_rejected()
    {
        var result = Tool.Helm("template", "rag", "charts/rag-operator", "--set", "networkPolicy.enabled=true",
            "--set", "networkPolicy.namespaces={team-a}", "--set", "networkPolicy.collections[0].namespace=team-a",
            "--set", "networkPolicy.collections[0].name=docs");

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("lists team-a/docs").And.Contain("namespace-wide policy");
    }

    [Fact]
    public void A_service_monitor_without_the_metrics_service_is_rejected()
    {
        var result = Tool.Helm("template", "rag", "charts/rag-operator", "--set", "serviceMonitor.enabled=true", "--set", "metrics.service.enabled=false");

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("serviceMonitor.enabled needs metrics.service.enabled");
    }
}
