using System.Collections.Concurrent;
using Prometheus;
using RagOperator.Observability.Metrics;

namespace RagOperator.Kubernetes.Runtime;

/// <summary>
/// Controller-runtime metrics on one registry (names follow controller-runtime so dashboards carry over): reconciles,
/// their errors and duration, work queue adds, retries, wait time and depth, and leader status. Depth and leader
/// status are read from the tracked queues and electors when the registry is scraped, because a lease can run out
/// with no event to record it on.
/// </summary>
public sealed class ControllerMetrics
{
    private readonly ConcurrentDictionary<WorkQueue, byte> queues = new();
    private readonly ConcurrentDictionary<LeaderElection.LeaderElector, byte> electors = new();
    private readonly Gauge depth;
    private readonly Gauge leader;

    public ControllerMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Reconciles = RagInstruments.Reconciles.CreateCounter(factory);
        ReconcileErrors = RagInstruments.ReconcileErrors.CreateCounter(factory);
        ReconcileDuration = RagInstruments.ReconcileDuration.CreateHistogram(factory);
        QueueLatency = RagInstruments.WorkQueueLatency.CreateHistogram(factory);
        QueueAdds = RagInstruments.WorkQueueAdds.CreateCounter(factory);
        QueueRetries = RagInstruments.WorkQueueRetries.CreateCounter(factory);
        depth = RagInstruments.WorkQueueDepth.CreateGauge(factory);
        leader = RagInstruments.LeaderIsLeader.CreateGauge(factory);
        registry.AddBeforeCollectCallback(Observe);
    }

    internal Counter Reconciles { get; }
    internal Counter ReconcileErrors { get; }
    internal ConsistentHistogram ReconcileDuration { get; }
    internal ConsistentHistogram QueueLatency { get; }
    internal Counter QueueAdds { get; }
    internal Counter QueueRetries { get; }

    internal void Track(WorkQueue queue) => queues.TryAdd(queue, 0);

    internal void Untrack(WorkQueue queue)
    {
        if (queues.TryRemove(queue, out _)) depth.RemoveLabelled(queue.Name);
    }

    internal void Track(LeaderElection.LeaderElector elector) => electors.TryAdd(elector, 0);

    internal void Untrack(LeaderElection.LeaderElector elector)
    {
        if (electors.TryRemove(elector, out _)) leader.RemoveLabelled(elector.LeaseName);
    }

    private void Observe()
    {
        foreach (var queue in queues.Keys) depth.WithLabels(queue.Name).Set(queue.Count);
        foreach (var elector in electors.Keys) leader.WithLabels(elector.LeaseName).Set(elector.IsLeader ? 1 : 0);
    }
}
