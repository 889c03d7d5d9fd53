using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// A Prometheus exporter over <see cref="System.Diagnostics.Metrics"/>: a <see cref="MeterListener"/> subscribes to
/// every instrument of the meters that <see cref="PrometheusMetricsOptions.MeterPrefixes"/> select and aggregates
/// measurements in memory; <see cref="Collect"/> renders them in the text exposition format 0.0.4.
/// <para>
/// Mapping: Counter and ObservableCounter → counter (<c>_total</c>); UpDownCounter, ObservableUpDownCounter,
/// Gauge and ObservableGauge → gauge; Histogram → histogram with explicit buckets. Observable instruments are
/// observed on each scrape and only what they report then is written. Instruments whose names map to the same
/// family merge; an instrument whose name collides with a family of another type is not collected (and logged).
/// Counters ignore negative, NaN and infinite increments; histograms ignore NaN and infinities.
/// </para>
/// Thread-safe: measurements may arrive from any thread while scrapes run; scrapes are serialised.
/// </summary>
public sealed class PrometheusMetricsCollector : IDisposable
{
    /// <summary>The Content-Type of the text exposition format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly PrometheusMetricsOptions _options;
    private readonly ILogger _logger;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly Lock _registration = new();
    private readonly Lock _collection = new();

    public PrometheusMetricsCollector(PrometheusMetricsOptions options, ILogger<PrometheusMetricsCollector>? logger = null)
    {
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentBinding)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Observes the observable instruments and renders every family with at least one series.</summary>
    public string Collect()
    {
        List<FamilySnapshot> snapshots;
        lock (_collection)
        {
            foreach (var family in _families.Values)
            {
                family.ResetObservations();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException error)
            {
                // One broken callback must not take /metrics down; the others were still observed.
                _logger.LogWarning(error, "An observable instrument callback failed during a metrics scrape.");
            }

            snapshots = _families.Values
                .OrderBy(family => family.Name, StringComparer.Ordinal)
                .Select(family => family.Snapshot())
                .Where(snapshot => snapshot.Series.Count > 0)
                .ToList();
        }

        var text = new StringBuilder(4096);
        PrometheusTextWriter.Write(text, snapshots);
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_options.Matches(instrument.Meter.Name) || !TryDescribe(instrument, out var type, out var aggregation, out var observable))
        {
            return;
        }

        var name = PrometheusNaming.FamilyName(instrument.Name, instrument.Unit, type);
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        var bounds = type == PrometheusMetricType.Histogram ? BucketsFor(instrument) : [];
        var candidate = new MetricFamily(name, help, type, aggregation, observable, bounds);
        MetricFamily family;
        lock (_registration)
        {
            family = _families.GetOrAdd(name, candidate);
        }

        if (!family.IsCompatibleWith(candidate))
        {
            _logger.LogWarning(
                "Instrument {Instrument} of meter {Meter} maps to metric {Metric}, already used by an instrument of another type; it is not exported.",
                instrument.Name, instrument.Meter.Name, name);
            return;
        }

        var instrumentTags = instrument.Tags?.ToArray() ?? [];
        listener.EnableMeasurementEvents(instrument, new InstrumentBinding(family, instrumentTags));
    }

    private IReadOnlyList<double> BucketsFor(Instrument instrument)
    {
        if (_options.HistogramBuckets.TryGetValue(instrument.Name, out var configured))
        {
            return configured;
        }

        IReadOnlyList<double>? advised = instrument switch
        {
            Instrument<double> d => d.Advice?.HistogramBucketBoundaries,
            Instrument<float> f => f.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
            Instrument<long> l => l.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
            Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
            _ => null,
        };
        if (advised is { Count: > 0 })
        {
            try
            {
                PrometheusMetricsOptions.ValidateBuckets(instrument.Name, advised);
                return advised;
            }
            catch (ArgumentException error)
            {
                _logger.LogWarning(error, "Ignoring invalid bucket advice of instrument {Instrument}.", instrument.Name);
            }
        }

        return _options.DefaultBuckets;
    }

    private static bool TryDescribe(Instrument instrument, out PrometheusMetricType type, out Aggregation aggregation, out bool observable)
    {
        type = PrometheusMetricType.Gauge;
        aggregation = Aggregation.LastValue;
        observable = instrument.IsObservable;
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        if (definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>))
        {
            (type, aggregation) = (PrometheusMetricType.Counter, Aggregation.Sum);
        }
        else if (definition == typeof(UpDownCounter<>) || definition == typeof(ObservableUpDownCounter<>))
        {
            (type, aggregation) = (PrometheusMetricType.Gauge, Aggregation.Sum);
        }
        else if (definition == typeof(Histogram<>))
        {
            (type, aggregation) = (PrometheusMetricType.Histogram, Aggregation.Histogram);
        }
        else if (definition == typeof(Gauge<>) || definition == typeof(ObservableGauge<>))
        {
            (type, aggregation) = (PrometheusMetricType.Gauge, Aggregation.LastValue);
        }
        else
        {
            return false;
        }

        return true;
    }

    /// <summary>The state handed to the listener for one instrument: its family and its own constant tags.</summary>
    private sealed class InstrumentBinding(MetricFamily family, KeyValuePair<string, object?>[] instrumentTags)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            family.Record(LabelSet.From(instrumentTags, tags, family.ReservedLabel), value);
    }
}
