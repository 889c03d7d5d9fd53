using System.Diagnostics.Metrics;
using RagOperator.Observability.Metrics;

namespace RagOperator.Observability.Tests;

/// <summary>
/// A meter with a name no other test uses, and a collector that listens to it alone, so tests running in
/// parallel never see each other's measurements.
/// </summary>
internal sealed class MeterScope : IDisposable
{
    public MeterScope(Action<PrometheusMetricsOptions>? configure = null)
    {
        Prefix = "Test" + Guid.NewGuid().ToString("N");
        Meter = new Meter(Prefix + ".Component");
        var options = new PrometheusMetricsOptions();
        options.MeterPrefixes.Clear();
        options.MeterPrefixes.Add(Prefix);
        configure?.Invoke(options);
        Collector = new PrometheusMetricsCollector(options);
    }

    public string Prefix { get; }

    public Meter Meter { get; }

    public PrometheusMetricsCollector Collector { get; }

    public Exposition Scrape() => PrometheusTextParser.Parse(Collector.Collect());

    public void Dispose()
    {
        Collector.Dispose();
        Meter.Dispose();
    }
}
