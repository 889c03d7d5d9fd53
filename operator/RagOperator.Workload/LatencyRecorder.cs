namespace RagOperator.Workload;

/// <summary>Thread-safe latency samples (milliseconds) with percentiles; windows are cut with <see cref="TakeWindow"/>.</summary>
public sealed class LatencyRecorder
{
    private readonly Lock gate = new();
    private List<double> samples = [];

    public void Record(TimeSpan latency)
    {
        lock (gate) samples.Add(latency.TotalMilliseconds);
    }

    /// <summary>Returns the samples recorded since the last call and starts a new window.</summary>
    public LatencySummary TakeWindow()
    {
        List<double> window;
        lock (gate)
        {
            window = samples;
            samples = [];
        }
        return LatencySummary.Of(window);
    }
}

public sealed record LatencySummary(int Count, double P50, double P99, double Max)
{
    public static LatencySummary Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) return new LatencySummary(0, double.NaN, double.NaN, double.NaN);
        var sorted = samples.Order().ToArray();
        return new LatencySummary(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
