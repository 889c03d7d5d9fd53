namespace RagOperator.Observability.Metrics;

/// <summary>How a family turns measurements into a value.</summary>
internal enum Aggregation
{
    /// <summary>Counters and up-down counters: measurements are deltas that add up.</summary>
    Sum,

    /// <summary>Gauges: the last measurement is the value.</summary>
    LastValue,

    /// <summary>Histograms: explicit buckets, a sum and a count.</summary>
    Histogram,
}

/// <summary>A running sum, updated lock-free because counters sit on hot paths.</summary>
internal sealed class SumSeries
{
    private double _value;

    public double Value => Volatile.Read(ref _value);

    public void Add(double delta)
    {
        var current = Volatile.Read(ref _value);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _value, current + delta, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }
}

/// <summary>The last value written.</summary>
internal sealed class LastValueSeries
{
    private double _value;

    public double Value => Volatile.Read(ref _value);

    public void Set(double value) => Volatile.Write(ref _value, value);
}

/// <summary>
/// Per-bucket counts (not cumulative; the writer accumulates), a sum and a count. One lock per series keeps a
/// scrape from seeing a count that disagrees with the buckets.
/// </summary>
internal sealed class HistogramSeries(IReadOnlyList<double> bounds)
{
    private readonly Lock _gate = new();
    private readonly long[] _counts = new long[bounds.Count + 1];
    private double _sum;
    private long _count;

    public void Record(double value)
    {
        var index = BucketIndex(value);
        lock (_gate)
        {
            _counts[index]++;
            _sum += value;
            _count++;
        }
    }

    public HistogramSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new HistogramSnapshot(bounds, [.. _counts], _sum, _count);
        }
    }

    // Buckets are "less than or equal" (Prometheus le): a value equal to a bound belongs to that bound's bucket.
    private int BucketIndex(double value)
    {
        int low = 0, high = bounds.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (value <= bounds[mid])
            {
                high = mid - 1;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }
}

/// <summary>A consistent copy of one histogram series; <see cref="BucketCounts"/> has one more entry than bounds (+Inf).</summary>
internal sealed record HistogramSnapshot(IReadOnlyList<double> Bounds, long[] BucketCounts, double Sum, long Count);
