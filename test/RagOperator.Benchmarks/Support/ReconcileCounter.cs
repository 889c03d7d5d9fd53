using Prometheus;
using RagOperator.Observability.Metrics;

namespace RagOperator.Benchmarks.Support;

/// <summary>
/// Counts the VectorCollection controller's reconciles from the controller runtime's own counter
/// (<c>controller_runtime_reconcile_total</c>) on the operator's registry, so the figure is what the operator
/// reports, not a guess. Give the sandbox the same registry (<c>SandboxOptions.OperatorMetrics</c>) so the count
/// runs on across operator restarts.
/// </summary>
public sealed class ReconcileCounter(CollectorRegistry registry)
{
    // Creating a catalogued metric on a registry that has it returns the operator's own instance.
    private readonly Counter reconciles = RagInstruments.Reconciles.CreateCounter(Metrics.WithCustomRegistry(registry));

    public long Reconciles => (long)reconciles.GetAllLabelValues()
        .Where(labels => labels[0].StartsWith("vectorcollection", StringComparison.Ordinal))
        .Sum(labels => reconciles.WithLabels(labels).Value);
}
