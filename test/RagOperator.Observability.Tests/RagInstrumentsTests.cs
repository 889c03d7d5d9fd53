using System.Text.RegularExpressions;
using RagOperator.Observability.Metrics;

namespace RagOperator.Observability.Tests;

public sealed partial class RagInstrumentsTests
{
    [Fact]
    public void Every_catalogued_metric_has_a_valid_unique_name_and_valid_label_names()
    {
        RagInstruments.All.Select(spec => spec.Name).Should().OnlyHaveUniqueItems().And.OnlyContain(name => MetricName().IsMatch(name));
        RagInstruments.All.SelectMany(spec => spec.Labels).Should().OnlyContain(label => LabelName().IsMatch(label) && !label.StartsWith("__", StringComparison.Ordinal));
        RagInstruments.All.Should().OnlyContain(spec => spec.Labels.Distinct().Count() == spec.Labels.Count);
    }

    [Fact]
    public void Counters_end_in_total_and_nothing_else_does()
    {
        // prometheus-net's OpenMetrics output drops "_total" from a counter's family name and types a counter without it "unknown".
        RagInstruments.All.Where(spec => spec.Kind == InstrumentKind.Counter).Should().OnlyContain(spec => spec.Name.EndsWith("_total", StringComparison.Ordinal));
        RagInstruments.All.Where(spec => spec.Kind != InstrumentKind.Counter).Should().OnlyContain(spec => !spec.Name.EndsWith("_total", StringComparison.Ordinal));
    }

    [Fact]
    public void Histograms_that_measure_seconds_say_so_and_use_the_seconds_buckets_and_the_others_count()
    {
        var histograms = RagInstruments.All.Where(spec => spec.Kind == InstrumentKind.Histogram).ToList();

        histograms.Should().OnlyContain(spec => spec.Buckets != null && spec.Buckets.Count > 0 && spec.Buckets.Zip(spec.Buckets.Skip(1)).All(pair => pair.First < pair.Second));
        histograms.Where(spec => spec.Name.EndsWith("_seconds", StringComparison.Ordinal)).Should().OnlyContain(spec => spec.Buckets == RagInstruments.SecondsBuckets);
        histograms.Where(spec => !spec.Name.EndsWith("_seconds", StringComparison.Ordinal)).Select(spec => spec.Name)
            .Should().BeEquivalentTo([RagInstruments.RouterFanOut.Name, RagInstruments.MigrationBatchSize.Name], "only fan-out and batch size count things");
        RagInstruments.All.Where(spec => spec.Kind != InstrumentKind.Histogram).Should().OnlyContain(spec => spec.Buckets == null);
    }

    [Fact]
    public void Creating_a_metric_as_another_kind_than_catalogued_fails()
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry());

        var create = () => RagInstruments.ApiRequests.CreateGauge(factory);

        create.Should().Throw<InvalidOperationException>().WithMessage("*kubernetes_api_requests_total is a Counter*");
    }

    [Fact]
    public void A_collection_namespace_is_never_labelled_namespace()
    {
        // Prometheus adds the scraped pod's namespace as "namespace" and would rename ours to exported_namespace.
        RagInstruments.All.SelectMany(spec => spec.Labels).Should().NotContain("namespace");
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
