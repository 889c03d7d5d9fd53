namespace RagOperator.Router.Shards;

/// <summary>
/// The latencies of one shard's most recent successful calls, and their 95th percentile: the hedge delay. A hedge
/// sent after the p95 costs at most about 5 % more shard calls and cuts the tail a slow replica or a pause causes.
/// Thread-safe; the percentile is recomputed every <see cref="RecomputeEvery"/> samples, not on every read.
/// </summary>
public sealed class LatencyWindow
{
    /// <summary>Below this many samples there is no percentile to trust.</summary>
    public const int MinimumSamples = 20;

    private const int RecomputeEvery = 16;

    private readonly Lock gate = new();
    private readonly double[] samples;
    private readonly double[] scratch;
    private int count;
    private int next;
    private int sinceRecompute;
    private double? p95;

    public LatencyWindow(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, MinimumSamples);
        samples = new double[capacity];
        scratch = new double[capacity];
    }

    public void Record(TimeSpan elapsed)
    {
        lock (gate)
        {
            samples[next] = elapsed.TotalMilliseconds;
            next = (next + 1) % samples.Length;
            count = Math.Min(count + 1, samples.Length);
            if (++sinceRecompute >= RecomputeEvery || p95 is null && count >= MinimumSamples)
            {
                sinceRecompute = 0;
                p95 = count < MinimumSamples ? null : Percentile(0.95);
            }
        }
    }

    /// <summary>The 95th percentile of the window, or null with fewer than <see cref="MinimumSamples"/> samples.</summary>
    public TimeSpan? P95
    {
        get
        {
            lock (gate)
            {
                return p95 is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
            }
        }
    }

    private double Percentile(double quantile)
    {
        Array.Copy(samples, scratch, count);
        Array.Sort(scratch, 0, count);
        var rank = (int)Math.Ceiling(quantile * count) - 1;
        return scratch[Math.Clamp(rank, 0, count - 1)];
    }
}
