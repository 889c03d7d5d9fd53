using RagOperator.Observability.Metrics;

namespace RagOperator.Observability.Tests;

public sealed class PrometheusNamingTests
{
    [Theory]
    [InlineData("ragoperator.reconcile.duration", "s", PrometheusMetricType.Histogram, "ragoperator_reconcile_duration_seconds")]
    [InlineData("ragoperator_reconcile_duration_seconds", "s", PrometheusMetricType.Histogram, "ragoperator_reconcile_duration_seconds")]
    [InlineData("http.server.requests", null, PrometheusMetricType.Counter, "http_server_requests_total")]
    [InlineData("kubernetes_api_requests_total", null, PrometheusMetricType.Counter, "kubernetes_api_requests_total")]
    [InlineData("copy_time_total", "ms", PrometheusMetricType.Counter, "copy_time_milliseconds_total")]
    [InlineData("payload", "By", PrometheusMetricType.Histogram, "payload_bytes")]
    [InlineData("throughput", "By/s", PrometheusMetricType.Gauge, "throughput_bytes_per_second")]
    [InlineData("copy_rate", "{point}/s", PrometheusMetricType.Gauge, "copy_rate_per_second")]
    [InlineData("fanout", "{shard}", PrometheusMetricType.Histogram, "fanout")]
    [InlineData("leader_is_leader", "1", PrometheusMetricType.Gauge, "leader_is_leader")]
    [InlineData("restarts", "1", PrometheusMetricType.Counter, "restarts_total")]
    [InlineData("2xx-responses", null, PrometheusMetricType.Gauge, "_2xx_responses")]
    [InlineData("a..b//c", null, PrometheusMetricType.Gauge, "a_b_c")]
    [InlineData("ns:recording:rule", null, PrometheusMetricType.Gauge, "ns:recording:rule")]
    [InlineData("temperature", "Cel", PrometheusMetricType.Gauge, "temperature_celsius")]
    [InlineData("odd", "furlongs", PrometheusMetricType.Gauge, "odd_furlongs")]
    public void Instrument_names_and_units_map_to_prometheus_family_names(string instrument, string? unit, PrometheusMetricType type, string expected)
    {
        var name = PrometheusNaming.FamilyName(instrument, unit, type);

        name.Should().Be(expected);
        PrometheusNaming.IsValidMetricName(name).Should().BeTrue();
    }

    [Theory]
    [InlineData("http.route", "http_route")]
    [InlineData("shard-id", "shard_id")]
    [InlineData("0shard", "_0shard")]
    [InlineData("__reserved", "_reserved")]
    [InlineData("ns:name", "ns_name")]
    [InlineData("", "_")]
    public void Label_names_are_sanitised_and_never_reserved(string key, string expected) =>
        PrometheusNaming.SanitizeLabelName(key).Should().Be(expected);

    [Fact]
    public void Every_catalogued_instrument_has_a_valid_and_unique_prometheus_name()
    {
        var names = RagInstruments.All.Select(spec => spec.PrometheusName).ToList();

        names.Should().OnlyContain(name => PrometheusNaming.IsValidMetricName(name));
        names.Should().OnlyHaveUniqueItems();
        RagInstruments.All.Where(s => s.Kind == InstrumentKind.Counter).Should().OnlyContain(s => s.PrometheusName.EndsWith("_total"));
        RagInstruments.QdrantRequestDuration.PrometheusName.Should().Be("qdrant_client_request_duration_seconds");
    }
}
