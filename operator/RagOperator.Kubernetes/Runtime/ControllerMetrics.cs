using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace RagOperator.Kubernetes.Runtime;

/// <summary>Controller-runtime metrics (names follow controller-runtime so dashboards carry over).</summary>
public static class ControllerMetrics
{
    public const string MeterName = "RagOperator.Controller";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<WorkQueue, byte> Queues = new();
    private static readonly ConcurrentDictionary<LeaderElection.LeaderElector, byte> Electors = new();

    public static readonly Counter<long> ReconcileTotal = Meter.CreateCounter<long>(
        "controller_runtime_reconcile_total", "{reconcile}", "Reconciles by controller, kind and result (success, requeue, requeue_after, error).");

    public static readonly Counter<long> ReconcileErrors = Meter.CreateCounter<long>(
        "controller_runtime_reconcile_errors_total", "{reconcile}", "Reconciles that failed, by controller and kind.");

    public static readonly Histogram<double> ReconcileDuration = Meter.CreateHistogram<double>(
        "controller_runtime_reconcile_time_seconds", "s", "Duration of one reconcile, by controller and kind.");

    public static readonly Histogram<double> QueueLatency = Meter.CreateHistogram<double>(
        "workqueue_queue_duration_seconds", "s", "Time an item waits in a work queue before a worker takes it.");

    public static readonly Counter<long> QueueAdds = Meter.CreateCounter<long>(
        "workqueue_adds_total", "{item}", "Items added to a work queue (deduplicated adds are not counted).");

    public static readonly Counter<long> QueueRetries = Meter.CreateCounter<long>(
        "workqueue_retries_total", "{item}", "Rate-limited re-adds to a work queue.");

    static ControllerMetrics()
    {
        Meter.CreateObservableGauge("workqueue_depth", ObserveDepth, "{item}", "Items waiting in a work queue.");
        Meter.CreateObservableGauge("leader_is_leader", ObserveLeaders, "1", "1 while this process holds the lease, else 0.");
    }

    internal static void Track(WorkQueue queue) => Queues.TryAdd(queue, 0);
    internal static void Untrack(WorkQueue queue) => Queues.TryRemove(queue, out _);
    internal static void Track(LeaderElection.LeaderElector elector) => Electors.TryAdd(elector, 0);
    internal static void Untrack(LeaderElection.LeaderElector elector) => Electors.TryRemove(elector, out _);

    private static IEnumerable<Measurement<long>> ObserveDepth() =>
        Queues.Keys.Select(q => new Measurement<long>(q.Count, new KeyValuePair<string, object?>("name", q.Name)));

    private static IEnumerable<Measurement<int>> ObserveLeaders() =>
        Electors.Keys.Select(e => new Measurement<int>(e.IsLeader ? 1 : 0, new KeyValuePair<string, object?>("name", e.LeaseName)));
}
