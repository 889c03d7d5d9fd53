using System.Diagnostics.Metrics;
using Prometheus;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// Forwards the Qdrant client's measurements (meter <c>RagOperator.Qdrant</c>, recorded by the client library on
/// <see cref="System.Diagnostics.Metrics"/>) into the catalogue's prometheus-net instruments, so that on
/// <c>/metrics</c> requests and retries are counters and latency a histogram with the seconds buckets. It maps the
/// three known instruments only, by name; a tag <c>server.address</c> becomes the label <c>server_address</c>.
/// <para>
/// The client's meter is static, so in a process that runs several operators (tests, the sandbox) each bridge sees
/// every client's requests; they stay apart by <c>server_address</c>. prometheus-net's own <c>MeterAdapter</c> is not
/// used because it publishes .NET counters as Prometheus gauges.
/// </para>
/// </summary>
public sealed class QdrantClientMeterBridge : IDisposable
{
    public const string RequestsInstrument = "qdrant.client.requests";
    public const string DurationInstrument = "qdrant.client.request.duration";
    public const string RetriesInstrument = "qdrant.client.retries";

    private readonly MeterListener listener = new();

    public QdrantClientMeterBridge(IMetricFactory factory)
    {
        var requests = new Target(RagInstruments.QdrantRequests, RagInstruments.QdrantRequests.CreateCounter(factory));
        var duration = new Target(RagInstruments.QdrantRequestDuration, RagInstruments.QdrantRequestDuration.CreateHistogram(factory));
        var retries = new Target(RagInstruments.QdrantRetries, RagInstruments.QdrantRetries.CreateCounter(factory));
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name != RagMeters.Qdrant) return;
            Target? target = instrument.Name switch
            {
                RequestsInstrument => requests,
                DurationInstrument => duration,
                RetriesInstrument => retries,
                _ => null,
            };
            if (target is not null) l.EnableMeasurementEvents(instrument, target);
        };
        listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Target)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Target)state!).Record(value, tags));
        listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Target)state!).Record(value, tags));
        listener.Start();
    }

    public void Dispose() => listener.Dispose();

    private sealed class Target(InstrumentSpec spec, object metric)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = new string[spec.Labels.Count];
            Array.Fill(labels, string.Empty);
            foreach (var (key, tagValue) in tags)
            {
                var index = IndexOf(key);
                if (index >= 0) labels[index] = tagValue?.ToString() ?? string.Empty;
            }

            switch (metric)
            {
                case Counter counter when value >= 0:
                    counter.WithLabels(labels).Inc(value);
                    break;
                case ConsistentHistogram histogram:
                    histogram.WithLabels(labels).Observe(value);
                    break;
            }
        }

        // Tag keys use dots (OpenTelemetry's server.address); label names cannot.
        private int IndexOf(string key)
        {
            for (var i = 0; i < spec.Labels.Count; i++)
            {
                var label = spec.Labels[i];
                if (label.Length == key.Length && string.Equals(label, key.Replace('.', '_'), StringComparison.Ordinal)) return i;
            }

            return -1;
        }
    }
}
