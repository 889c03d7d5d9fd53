namespace RagOperator.Observability.Metrics;

/// <summary>The Prometheus metric types this exporter writes (text exposition format 0.0.4).</summary>
public enum PrometheusMetricType
{
    Counter,
    Gauge,
    Histogram,
}
