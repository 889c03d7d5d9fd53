using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RagOperator.Deploy.Tests.Infrastructure;
using RagOperator.Observability.Metrics;

namespace RagOperator.Deploy.Tests;

public sealed partial class DashboardTests
{
    private static readonly Lazy<JsonObject> Dashboard = new(() =>
        JsonNode.Parse(Repository.Read("charts", "rag-operator", "dashboards", "rag-operator.json"))!.AsObject());

    [Fact]
    public void The_dashboard_is_valid_grafana_json_with_unique_panel_ids()
    {
        var dashboard = Dashboard.Value;
        var panels = Panels().ToList();

        dashboard["uid"]!.GetValue<string>().Should().Be("rag-operator");
        dashboard["title"]!.GetValue<string>().Should().Be("RagOperator");
        panels.Select(p => p["id"]!.GetValue<int>()).Should().OnlyHaveUniqueItems();
        foreach (var panel in panels.Where(p => p["type"]!.GetValue<string>() != "row"))
        {
            var targets = panel["targets"]!.AsArray();
            targets.Should().NotBeEmpty($"panel {panel["title"]} needs a query");
            targets.Select(t => t!["refId"]!.GetValue<string>()).Should().OnlyHaveUniqueItems();
            panel["datasource"]!["uid"]!.GetValue<string>().Should().Be("${datasource}");
            foreach (var target in targets)
            {
                MetricNames(target!["expr"]!.GetValue<string>()).Should().NotBeEmpty($"every query of {panel["title"]} must name a metric");
            }
        }
    }

    [Fact]
    public void Every_metric_the_dashboard_queries_is_one_the_exporter_produces_from_the_catalogue()
    {
        var produced = RagInstruments.All.SelectMany(Series).ToHashSet(StringComparer.Ordinal);

        var queried = Expressions().SelectMany(MetricNames).ToHashSet(StringComparer.Ordinal);

        queried.Should().NotBeEmpty();
        queried.Except(produced).Should().BeEmpty("the dashboard must only query metrics that RagInstruments declares");
    }

    [Fact]
    public void Every_catalogued_instrument_is_on_the_dashboard()
    {
        var queried = Expressions().SelectMany(MetricNames).ToHashSet(StringComparer.Ordinal);

        RagInstruments.All.Where(spec => !Series(spec).Any(queried.Contains)).Select(spec => spec.Name)
            .Should().BeEmpty("every instrument of the catalogue should be shown somewhere");
    }

    [Theory]
    [InlineData("Operator", new[] { "Reconciles", "Reconcile errors", "Reconcile duration", "Work queue depth", "Work queue latency", "Leader", "Kubernetes API calls" })]
    [InlineData("Collections", new[] { "Shards ready", "Points per shard", "Routing version", "Migration phase", "Copy rate" })]
    [InlineData("Routers", new[] { "Router latency per endpoint", "Router latency per shard", "Fan-out width", "Partial results", "Router errors", "Routing tables rejected" })]
    public void The_dashboard_has_the_panels_operators_look_for(string row, string[] titles)
    {
        var panels = Panels().ToList();
        var start = panels.FindIndex(p => p["type"]!.GetValue<string>() == "row" && p["title"]!.GetValue<string>() == row);
        var inRow = panels.Skip(start + 1).TakeWhile(p => p["type"]!.GetValue<string>() != "row").Select(p => p["title"]!.GetValue<string>());

        start.Should().BeGreaterThanOrEqualTo(0);
        inRow.Should().Contain(titles);
    }

    [Fact]
    public void Router_latency_is_shown_as_p50_and_p99_per_endpoint_and_per_shard()
    {
        var expressions = Expressions().ToList();

        foreach (var quantile in (string[])["0.5", "0.99"])
        {
            expressions.Should().Contain(e => e.StartsWith($"histogram_quantile({quantile}, sum by (le, endpoint)", StringComparison.Ordinal) && e.Contains("ragrouter_request_duration_seconds_bucket"));
            expressions.Should().Contain(e => e.StartsWith($"histogram_quantile({quantile}, sum by (le, collection, shard)", StringComparison.Ordinal) && e.Contains("ragrouter_shard_request_duration_seconds_bucket"));
        }
    }

    [Fact]
    public void The_chart_ships_the_dashboard_file_unchanged_in_a_labelled_config_map()
    {
        var configMap = Rendered.Get(Rendered.ChartAllOptions).Single("ConfigMap", "rag-operator-dashboard");

        configMap["metadata"]!["namespace"]!.GetValue<string>().Should().Be("monitoring");
        configMap["metadata"]!["labels"]!["grafana_dashboard"]!.GetValue<string>().Should().Be("1");
        var shipped = JsonNode.Parse(configMap["data"]!["rag-operator.json"]!.GetValue<string>());
        JsonNode.DeepEquals(shipped, Dashboard.Value).Should().BeTrue();
    }

    // The family itself, plus the series a histogram family writes.
    private static IEnumerable<string> Series(InstrumentSpec spec) => [spec.Name, .. spec.SeriesNames];

    private static IEnumerable<JsonObject> Panels() => Dashboard.Value["panels"]!.AsArray().Select(p => p!.AsObject());

    private static IEnumerable<string> Expressions() =>
        Panels().SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>())
            .Concat(Dashboard.Value["templating"]!["list"]!.AsArray().Select(v => v!["definition"]?.GetValue<string>()).OfType<string>());

    // Metric names in PromQL: identifiers directly followed by a selector or a range, and label_values' metric.
    private static IEnumerable<string> MetricNames(string expression) =>
        MetricReference().Matches(expression).Select(m => m.Groups["name"].Value);

    [GeneratedRegex(@"(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{|\[)|label_values\((?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)")]
    private static partial Regex MetricReference();
}
