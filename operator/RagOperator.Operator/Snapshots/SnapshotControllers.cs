using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Wires the snapshot, restore and schedule controllers of one watch scope (a namespace, or all). Each is driven by
/// its own kind and by the objects it waits for: a VectorSnapshot by its collection (migration done, shards ready),
/// a VectorRestore by its target collection and source snapshot, a schedule by its collection and the scheduled
/// snapshots (a completed one may let retention delete an old one).
/// </summary>
public static class SnapshotControllers
{
    public static SnapshotScheduleReconciler Add(
        ControllerManager manager, SnapshotServices services, StatusWriter status, string? scope,
        Informer<VectorCollection> collections, Informer<VectorSnapshot> snapshots, Informer<VectorRestore> restores,
        ControllerOptions options, ILoggerFactory loggers)
    {
        var suffix = scope is null ? "" : "-" + scope;
        manager.AddController(new Controller<VectorSnapshot>("vectorsnapshot" + suffix, snapshots,
                new VectorSnapshotReconciler(services, loggers.CreateLogger<VectorSnapshotReconciler>()), options,
                loggers.CreateLogger("RagOperator.Controller.VectorSnapshot"))
            .Watches(collections, c => snapshots.List(c.Metadata.Namespace ?? "")
                .Where(s => s.Spec.Collection == c.Metadata.Name && !SnapshotPhases.IsTerminal(s.Status?.Phase))
                .Select(Request)));

        manager.AddController(new Controller<VectorRestore>("vectorrestore" + suffix, restores,
                new VectorRestoreReconciler(services, loggers.CreateLogger<VectorRestoreReconciler>()), options,
                loggers.CreateLogger("RagOperator.Controller.VectorRestore"))
            .Watches(collections, c => restores.List(c.Metadata.Namespace ?? "")
                .Where(r => r.Spec.Target.Name == c.Metadata.Name && !SnapshotPhases.IsTerminal(r.Status?.Phase))
                .Select(Request))
            .Watches(snapshots, s => restores.List(s.Metadata.Namespace ?? "")
                .Where(r => r.Spec.Source.Snapshot == s.Metadata.Name && !SnapshotPhases.IsTerminal(r.Status?.Phase))
                .Select(Request)));

        var schedule = new SnapshotScheduleReconciler(services, status, loggers.CreateLogger<SnapshotScheduleReconciler>());
        manager.AddController(new Controller<VectorCollection>("snapshotschedule" + suffix, collections, schedule, options,
                loggers.CreateLogger("RagOperator.Controller.SnapshotSchedule"))
            .Watches(snapshots, s => s.Metadata.Labels?.TryGetValue(SnapshotSchedule.ScheduleLabel, out var owner) == true
                ? [new ReconcileRequest(s.Metadata.Namespace, owner)]
                : []));
        return schedule;
    }

    private static ReconcileRequest Request(VectorSnapshot snapshot) => new(snapshot.Metadata.Namespace, snapshot.Metadata.Name!);

    private static ReconcileRequest Request(VectorRestore restore) => new(restore.Metadata.Namespace, restore.Metadata.Name!);
}
