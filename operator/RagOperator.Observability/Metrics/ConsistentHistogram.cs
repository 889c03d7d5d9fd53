using Prometheus;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// A prometheus-net histogram whose observations pass <see cref="HistogramScrapeGate"/>, so that a scrape through
/// <see cref="RagMetricsExtensions.MapRagMetrics"/> never shows it torn. The catalogue hands out only this type, so
/// no histogram can be observed around the gate.
/// </summary>
public sealed class ConsistentHistogram(Histogram histogram)
{
    public Child WithLabels(params string[] labels) => new(histogram.WithLabels(labels));

    public readonly struct Child(Histogram.Child child)
    {
        public void Observe(double value) => HistogramScrapeGate.Observe(child, value);
    }
}
