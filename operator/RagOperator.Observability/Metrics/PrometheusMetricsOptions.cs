namespace RagOperator.Observability.Metrics;

/// <summary>What the Prometheus exporter collects and how it buckets histograms.</summary>
public sealed class PrometheusMetricsOptions
{
    /// <summary>
    /// Latency buckets in seconds, from 1 ms (a cached routing lookup) to 60 s (a slow migration batch or a
    /// stuck API call), roughly ×2.5 apart so p50/p99 interpolation stays within one bucket of the truth.
    /// </summary>
    public static readonly IReadOnlyList<double> DefaultSecondsBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>
    /// Meter name prefixes to collect. A prefix matches the meter of that exact name and every meter below it
    /// (<c>RagOperator</c> matches <c>RagOperator.Router</c> but not <c>RagOperatorX</c>).
    /// </summary>
    public IList<string> MeterPrefixes { get; } = [RagMeters.Prefix];

    /// <summary>
    /// Explicit bucket upper bounds per instrument name. Wins over the instrument's own advice
    /// (<c>InstrumentAdvice.HistogramBucketBoundaries</c>), which wins over <see cref="DefaultBuckets"/>.
    /// </summary>
    public IDictionary<string, IReadOnlyList<double>> HistogramBuckets { get; } =
        new Dictionary<string, IReadOnlyList<double>>(RagInstruments.HistogramBuckets, StringComparer.Ordinal);

    /// <summary>Buckets for a histogram with no configured or advised bounds.</summary>
    public IReadOnlyList<double> DefaultBuckets { get; set; } = DefaultSecondsBuckets;

    /// <summary>True when a meter of this name is collected.</summary>
    public bool Matches(string meterName) => MeterPrefixes.Any(prefix =>
        meterName == prefix
        || (prefix.EndsWith('.')
            ? meterName.StartsWith(prefix, StringComparison.Ordinal)
            : meterName.StartsWith(prefix + ".", StringComparison.Ordinal)));

    /// <summary>Throws when a bucket list is not strictly increasing and finite (a scrape would lie otherwise).</summary>
    public void Validate()
    {
        ValidateBuckets("DefaultBuckets", DefaultBuckets);
        foreach (var (name, bounds) in HistogramBuckets)
        {
            ValidateBuckets(name, bounds);
        }
    }

    internal static void ValidateBuckets(string name, IReadOnlyList<double> bounds)
    {
        if (bounds.Count == 0)
        {
            throw new ArgumentException($"Histogram buckets for '{name}' are empty.", nameof(bounds));
        }

        for (var i = 0; i < bounds.Count; i++)
        {
            if (!double.IsFinite(bounds[i]))
            {
                throw new ArgumentException($"Histogram bucket {bounds[i]} for '{name}' is not finite (+Inf is implicit).", nameof(bounds));
            }

            if (i > 0 && bounds[i] <= bounds[i - 1])
            {
                throw new ArgumentException($"Histogram buckets for '{name}' must be strictly increasing ({bounds[i - 1]} then {bounds[i]}).", nameof(bounds));
            }
        }
    }
}
