using System.Diagnostics.Metrics;
using RagOperator.Kubernetes.Runtime;

namespace RagOperator.Benchmarks.Support;

/// <summary>
/// Counts the VectorCollection controller's reconciles from the controller runtime's own metric
/// (<c>controller_runtime_reconcile_total</c>), so the figure is what the operator reports, not a guess.
/// </summary>
public sealed class ReconcileCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private long reconciles;

    public ReconcileCounter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ControllerMetrics.MeterName && instrument.Name == "controller_runtime_reconcile_total") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "controller" && tag.Value is string name && name.StartsWith("vectorcollection", StringComparison.Ordinal))
                {
                    Interlocked.Add(ref reconciles, value);
                    return;
                }
            }
        });
        listener.Start();
    }

    public long Reconciles => Interlocked.Read(ref reconciles);

    public void Dispose() => listener.Dispose();
}
