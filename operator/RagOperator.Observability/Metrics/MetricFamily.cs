using System.Collections.Concurrent;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// One Prometheus metric family: every series of every instrument that maps to the same name. Several instruments
/// may share a family (the same meter created twice, or two meters using one name); their measurements merge.
/// </summary>
internal sealed class MetricFamily(
    string name,
    string help,
    PrometheusMetricType type,
    Aggregation aggregation,
    bool observable,
    IReadOnlyList<double> bounds)
{
    private readonly ConcurrentDictionary<LabelSet, object> _series = new();

    public string Name { get; } = name;

    public string Help { get; } = help;

    public PrometheusMetricType Type { get; } = type;

    public Aggregation Aggregation { get; } = aggregation;

    /// <summary>Observable instruments report only when collected, so their series are rebuilt on every scrape.</summary>
    public bool Observable { get; } = observable;

    public IReadOnlyList<double> Bounds { get; } = bounds;

    /// <summary>The label the exporter itself adds to this family's samples, which a tag must not shadow.</summary>
    public string? ReservedLabel => Type == PrometheusMetricType.Histogram ? "le" : null;

    public bool IsCompatibleWith(MetricFamily other) =>
        Type == other.Type && Aggregation == other.Aggregation && Observable == other.Observable;

    public void Record(LabelSet labels, double value)
    {
        switch (Aggregation)
        {
            case Aggregation.Sum:
                // A counter cannot go down, and a NaN would poison the sum for the life of the process.
                if (double.IsNaN(value) || double.IsInfinity(value) || (Type == PrometheusMetricType.Counter && value < 0))
                {
                    return;
                }

                ((SumSeries)_series.GetOrAdd(labels, static _ => new SumSeries())).Add(value);
                break;
            case Aggregation.LastValue:
                ((LastValueSeries)_series.GetOrAdd(labels, static _ => new LastValueSeries())).Set(value);
                break;
            case Aggregation.Histogram:
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    return;
                }

                ((HistogramSeries)_series.GetOrAdd(labels, static (_, b) => new HistogramSeries(b), Bounds)).Record(value);
                break;
            default:
                throw new InvalidOperationException($"Unknown aggregation {Aggregation}.");
        }
    }

    /// <summary>Drops the previous scrape's observations; called (under the collector's lock) before observing again.</summary>
    public void ResetObservations()
    {
        if (Observable)
        {
            _series.Clear();
        }
    }

    public FamilySnapshot Snapshot()
    {
        var series = _series
            .Select(pair => new SeriesSnapshot(pair.Key, pair.Value switch
            {
                SumSeries sum => sum.Value,
                LastValueSeries last => last.Value,
                _ => 0,
            }, (pair.Value as HistogramSeries)?.Snapshot()))
            .OrderBy(s => s.Labels)
            .ToList();
        return new FamilySnapshot(Name, Help, Type, series);
    }
}

/// <summary>One family as collected for a scrape, series in label order.</summary>
internal sealed record FamilySnapshot(string Name, string Help, PrometheusMetricType Type, IReadOnlyList<SeriesSnapshot> Series);

/// <summary>One series: a value, or for a histogram its buckets.</summary>
internal sealed record SeriesSnapshot(LabelSet Labels, double Value, HistogramSnapshot? Histogram);
