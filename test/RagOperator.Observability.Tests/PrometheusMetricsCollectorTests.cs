using System.Diagnostics.Metrics;
using RagOperator.Observability.Metrics;

namespace RagOperator.Observability.Tests;

public sealed class PrometheusMetricsCollectorTests
{
    [Fact]
    public void Counters_sum_per_label_set_and_get_the_total_suffix()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<long>("requests", description: "Requests handled.");
        counter.Add(2, new("verb", "get"), new("code", 200));
        counter.Add(3, new("code", 200), new("verb", "get"));
        counter.Add(1, new("verb", "put"), new("code", 409));

        var text = scope.Collector.Collect();
        var exposition = PrometheusTextParser.Parse(text);

        exposition.Family("requests_total").Type.Should().Be("counter");
        exposition.Family("requests_total").Help.Should().Be("Requests handled.");
        exposition.Value("requests_total", ("verb", "get"), ("code", "200")).Should().Be(5);
        exposition.Value("requests_total", ("verb", "put"), ("code", "409")).Should().Be(1);
        text.Should().Contain("requests_total{code=\"200\",verb=\"get\"} 5\n", "labels are written in name order");
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline()
    {
        using var scope = new MeterScope();
        var gauge = scope.Meter.CreateUpDownCounter<int>("weird");
        const string Nasty = "C:\\path \"quoted\"\nnext line";
        gauge.Add(7, new KeyValuePair<string, object?>("value", Nasty));

        var text = scope.Collector.Collect();

        text.Should().Contain("weird{value=\"C:\\\\path \\\"quoted\\\"\\nnext line\"} 7\n");
        PrometheusTextParser.Parse(text).Value("weird", ("value", Nasty)).Should().Be(7);
    }

    [Fact]
    public void Help_text_escapes_backslash_and_newline()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("documented", description: "First \\ line\nsecond \"line\"").Add(1);

        var text = scope.Collector.Collect();

        text.Should().Contain("# HELP documented_total First \\\\ line\\nsecond \"line\"\n");
        PrometheusTextParser.Parse(text).Family("documented_total").Help.Should().Be("First \\ line\nsecond \"line\"");
    }

    [Fact]
    public void Histogram_buckets_are_cumulative_with_inf_sum_and_count()
    {
        using var scope = new MeterScope(options => options.HistogramBuckets["latency"] = [0.1, 0.5, 1]);
        var histogram = scope.Meter.CreateHistogram<double>("latency", unit: "s");
        double[] values = [0.05, 0.1, 0.3, 0.5, 0.7, 2, 3];
        foreach (var value in values)
        {
            histogram.Record(value, new KeyValuePair<string, object?>("endpoint", "search"));
        }

        var text = scope.Collector.Collect();
        var exposition = PrometheusTextParser.Parse(text);

        exposition.Family("latency_seconds").Type.Should().Be("histogram");
        exposition.Value("latency_seconds_bucket", ("le", "0.1")).Should().Be(2, "a value equal to a bound falls into that bucket");
        exposition.Value("latency_seconds_bucket", ("le", "0.5")).Should().Be(4);
        exposition.Value("latency_seconds_bucket", ("le", "1")).Should().Be(5);
        exposition.Value("latency_seconds_bucket", ("le", "+Inf")).Should().Be(7);
        exposition.Value("latency_seconds_count").Should().Be(7);
        exposition.Value("latency_seconds_sum").Should().BeApproximately(values.Sum(), 1e-9);
        text.Should().Contain("latency_seconds_bucket{endpoint=\"search\",le=\"0.1\"} 2\n", "le comes after the instrument's labels");
    }

    [Fact]
    public void Histograms_without_configuration_use_the_instrument_advice_or_the_seconds_defaults()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateHistogram("advised", unit: null, description: null, tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [10, 20] }).Record(15);
        scope.Meter.CreateHistogram<double>("plain", "s").Record(0.002);

        var exposition = scope.Scrape();

        exposition.Family("advised").Samples.Where(s => s.Name == "advised_bucket").Select(s => s.Labels["le"])
            .Should().Equal("10", "20", "+Inf");
        exposition.Family("plain_seconds").Samples.Where(s => s.Name == "plain_seconds_bucket").SkipLast(1)
            .Select(s => double.Parse(s.Labels["le"], System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(PrometheusMetricsOptions.DefaultSecondsBuckets);
        exposition.Value("plain_seconds_bucket", ("le", "0.0025")).Should().Be(1);
        exposition.Value("plain_seconds_bucket", ("le", "0.001")).Should().Be(0);
    }

    [Fact]
    public void A_histogram_tag_named_le_is_renamed_so_it_cannot_clash_with_the_bucket_label()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateHistogram<double>("clash").Record(1, new KeyValuePair<string, object?>("le", "mine"));

        var exposition = scope.Scrape();

        exposition.Value("clash_count", ("_le", "mine")).Should().Be(1);
    }

    [Fact]
    public void Up_down_counters_and_gauges_become_gauges()
    {
        using var scope = new MeterScope();
        var inFlight = scope.Meter.CreateUpDownCounter<long>("in_flight");
        inFlight.Add(5);
        inFlight.Add(-3);
        var temperature = scope.Meter.CreateGauge<double>("temperature", "Cel");
        temperature.Record(20.5);
        temperature.Record(-4.25);

        var exposition = scope.Scrape();

        exposition.Family("in_flight").Type.Should().Be("gauge");
        exposition.Value("in_flight").Should().Be(2);
        exposition.Family("temperature_celsius").Type.Should().Be("gauge");
        exposition.Value("temperature_celsius").Should().Be(-4.25);
    }

    [Fact]
    public void Observable_instruments_report_what_their_callbacks_return_at_each_scrape()
    {
        using var scope = new MeterScope();
        var depth = new Dictionary<string, int> { ["reconcile"] = 4, ["status"] = 1 };
        long copied = 100;
        scope.Meter.CreateObservableGauge("queue_depth", () => depth.Select(pair => new Measurement<int>(pair.Value, new KeyValuePair<string, object?>("queue", pair.Key))));
        scope.Meter.CreateObservableCounter("points_copied", () => copied);
        scope.Meter.CreateObservableUpDownCounter("open_streams", () => new Measurement<double>(2.5));

        var first = scope.Scrape();
        depth.Remove("status");
        depth["reconcile"] = 9;
        copied = 250;
        var second = scope.Scrape();

        first.Value("queue_depth", ("queue", "status")).Should().Be(1);
        first.Value("points_copied_total").Should().Be(100);
        first.Family("open_streams").Type.Should().Be("gauge");
        second.Value("queue_depth", ("queue", "reconcile")).Should().Be(9);
        second.Family("queue_depth").Samples.Should().ContainSingle("a series its callback stopped reporting disappears");
        second.Value("points_copied_total").Should().Be(250, "an observable counter reports its running total, not a delta");
    }

    [Fact]
    public void A_failing_observable_callback_does_not_break_the_scrape()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateObservableGauge<int>("broken", (Func<int>)(() => throw new InvalidOperationException("boom")));
        scope.Meter.CreateObservableGauge("healthy", () => 1);

        var exposition = scope.Scrape();

        exposition.Value("healthy").Should().Be(1);
        exposition.Has("broken").Should().BeFalse();
    }

    [Fact]
    public void Every_numeric_measurement_type_is_collected()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<byte>("b").Add(1);
        scope.Meter.CreateCounter<short>("s").Add(2);
        scope.Meter.CreateCounter<int>("i").Add(3);
        scope.Meter.CreateCounter<long>("l").Add(4);
        scope.Meter.CreateCounter<float>("f").Add(0.5f);
        scope.Meter.CreateCounter<double>("d").Add(0.25);
        scope.Meter.CreateCounter<decimal>("m").Add(1.5m);

        var exposition = scope.Scrape();

        exposition.Families.Select(f => (f.Name, f.Samples.Single().Value)).Should().Equal(
            ("b_total", 1), ("d_total", 0.25), ("f_total", 0.5), ("i_total", 3), ("l_total", 4), ("m_total", 1.5), ("s_total", 2));
    }

    [Fact]
    public void Counters_ignore_negative_and_non_finite_increments()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<double>("monotonic");
        counter.Add(3);
        counter.Add(-1);
        counter.Add(double.NaN);
        counter.Add(double.PositiveInfinity);

        scope.Scrape().Value("monotonic_total").Should().Be(3);
    }

    [Fact]
    public void Instrument_tags_become_labels_and_measurement_tags_override_them()
    {
        using var scope = new MeterScope();
        var counter = scope.Meter.CreateCounter<long>("tagged", unit: null, description: null,
            tags: [new("component", "router"), new("zone", "a")]);
        counter.Add(1, new KeyValuePair<string, object?>("zone", "b"));

        var text = scope.Collector.Collect();

        text.Should().Contain("tagged_total{component=\"router\",zone=\"b\"} 1\n");
    }

    [Fact]
    public void Tag_keys_that_sanitise_to_one_label_keep_both_values()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("merged").Add(1, new("http.route", "a"), new("http_route", "b"));

        scope.Scrape().Value("merged_total", ("http_route", "a;b")).Should().Be(1);
    }

    [Fact]
    public void Tag_values_are_formatted_independently_of_culture()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("formatted").Add(1, new("ratio", 0.5), new("flag", true), new("missing", null));

        scope.Collector.Collect().Should().Contain("formatted_total{flag=\"true\",missing=\"\",ratio=\"0.5\"} 1\n");
    }

    [Fact]
    public void Only_meters_under_a_configured_prefix_are_exported()
    {
        using var scope = new MeterScope();
        using var sibling = new Meter(scope.Prefix + "Sibling");
        using var child = new Meter(scope.Prefix + ".Deep.Child");
        sibling.CreateCounter<long>("sibling").Add(1);
        child.CreateCounter<long>("child").Add(1);
        scope.Meter.CreateCounter<long>("own").Add(1);

        var exposition = scope.Scrape();

        exposition.Families.Select(f => f.Name).Should().Equal("child_total", "own_total");
    }

    [Fact]
    public void Instruments_published_before_the_collector_started_are_collected()
    {
        var prefix = "Test" + Guid.NewGuid().ToString("N");
        using var meter = new Meter(prefix);
        var counter = meter.CreateCounter<long>("early");
        var options = new PrometheusMetricsOptions();
        options.MeterPrefixes.Clear();
        options.MeterPrefixes.Add(prefix);
        using var collector = new PrometheusMetricsCollector(options);

        counter.Add(4);

        PrometheusTextParser.Parse(collector.Collect()).Value("early_total").Should().Be(4);
    }

    [Fact]
    public void Two_meters_with_the_same_instrument_name_write_one_family()
    {
        using var scope = new MeterScope();
        using var second = new Meter(scope.Prefix + ".Component");
        scope.Meter.CreateCounter<long>("shared").Add(2, new KeyValuePair<string, object?>("source", "a"));
        second.CreateCounter<long>("shared").Add(3, new KeyValuePair<string, object?>("source", "a"));
        second.CreateCounter<long>("shared").Add(1, new KeyValuePair<string, object?>("source", "b"));

        var exposition = scope.Scrape();

        exposition.Families.Should().ContainSingle(f => f.Name == "shared_total");
        exposition.Value("shared_total", ("source", "a")).Should().Be(5);
        exposition.Value("shared_total", ("source", "b")).Should().Be(1);
    }

    [Fact]
    public void An_instrument_whose_name_clashes_with_a_family_of_another_type_is_left_out()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateGauge<long>("clash_total").Record(7);
        scope.Meter.CreateCounter<long>("clash").Add(1);

        var exposition = scope.Scrape();

        exposition.Family("clash_total").Type.Should().Be("gauge");
        exposition.Value("clash_total").Should().Be(7);
    }

    [Fact]
    public void Output_is_deterministic_and_sorted_by_family_then_labels()
    {
        using var scope = new MeterScope();
        var zeta = scope.Meter.CreateCounter<long>("zeta");
        var alpha = scope.Meter.CreateGauge<long>("alpha");
        foreach (var shard in new[] { "3", "1", "2" })
        {
            zeta.Add(1, new KeyValuePair<string, object?>("shard", shard));
            alpha.Record(long.Parse(shard, System.Globalization.CultureInfo.InvariantCulture), new KeyValuePair<string, object?>("shard", shard));
        }

        var first = scope.Collector.Collect();
        var second = scope.Collector.Collect();
        var exposition = PrometheusTextParser.Parse(first);

        second.Should().Be(first);
        exposition.Families.Select(f => f.Name).Should().Equal("alpha", "zeta_total");
        exposition.Family("zeta_total").Samples.Select(s => s.Labels["shard"]).Should().Equal("1", "2", "3");
    }

    [Fact]
    public void Families_without_measurements_are_not_written()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("never_used");

        scope.Collector.Collect().Should().BeEmpty();
    }

    [Fact]
    public void Invalid_bucket_configuration_is_rejected_up_front()
    {
        var options = new PrometheusMetricsOptions();
        options.HistogramBuckets["bad"] = [1, 1, 2];

        var create = () => new PrometheusMetricsCollector(options);

        create.Should().Throw<ArgumentException>().WithMessage("*strictly increasing*");
    }

    [Fact]
    public void Prefix_matching_takes_whole_dotted_segments()
    {
        var options = new PrometheusMetricsOptions();

        options.Matches("RagOperator").Should().BeTrue();
        options.Matches("RagOperator.Router").Should().BeTrue();
        options.Matches("RagOperatorExtra").Should().BeFalse();
        options.Matches("System.Runtime").Should().BeFalse();
    }
}
