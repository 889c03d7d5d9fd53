using System.Globalization;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Naming;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Runs <c>spec.snapshots</c> of VectorCollections (a controller of its own beside the collection reconciler, so a
/// schedule never delays or blocks provisioning): creates a VectorSnapshot when a run is due, deletes the ones
/// retention drops (their finalizer deletes the files, as scheduled snapshots use <c>deletionPolicy: Delete</c>),
/// and keeps <c>status.snapshots</c> current. Scheduled snapshots carry the label
/// <see cref="SnapshotSchedule.ScheduleLabel"/> and no owner reference: deleting the collection keeps its backups.
/// </summary>
public sealed class SnapshotScheduleReconciler(SnapshotServices services, StatusWriter status, ILogger logger) : IReconciler<VectorCollection>
{
    /// <summary>Looked at again at least this often, so a clock jump is noticed.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var collection = services.View.Get<VectorCollection>(request.Namespace, request.Name);
        if (collection?.Spec.Snapshots is not { } schedule || collection.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var ns = collection.Metadata.Namespace!;
        var name = collection.Metadata.Name!;
        if (!CronExpression.TryParse(schedule.Schedule, out var cron, out var error))
        {
            var message = $"spec.snapshots.schedule is invalid: {error}";
            if (collection.Status?.Snapshots?.Message != message)
                await services.Events.PublishAsync(collection, Event.Warning, "InvalidSnapshotSchedule", "Schedule", message, cancellationToken);
            await WriteAsync(collection, s =>
            {
                s.Message = message;
                s.NextScheduleTime = null;
            }, cancellationToken);
            return ReconcileResult.Done;
        }

        var existing = services.View.List<VectorSnapshot>(ns)
            .Where(s => s.Metadata.Labels?.TryGetValue(SnapshotSchedule.ScheduleLabel, out var owner) == true && owner == name)
            .Select(s => new ScheduledSnapshot(s.Metadata.Name!, ScheduledAt(s), s.Status?.Phase))
            .ToList();
        var now = services.Time.GetUtcNow();
        SchedulePlan PlanWith(IReadOnlyList<ScheduledSnapshot> snapshots) =>
            SnapshotSchedule.Plan(cron!, now, collection.Status?.Snapshots?.LastScheduleTime, collection.Metadata.CreationTimestamp ?? now,
                schedule.Retain, schedule.Suspend, snapshots);
        var plan = PlanWith(existing);
        if (plan.Skipped is not null)
        {
            // A skipped run is never taken later, and the cache may not have seen the snapshot in the way complete
            // yet: its phase is confirmed by the API server before the run is given up.
            existing = await ConfirmRunningAsync(existing, ns, cancellationToken);
            plan = PlanWith(existing);
        }

        string? created = null;
        if (plan.CreateFor is { } due)
        {
            created = SnapshotSchedule.SnapshotName(name, due);
            try
            {
                await services.Client.CreateAsync(Scheduled(collection, schedule, created, due), cancellationToken);
                logger.LogInformation("Created scheduled snapshot {Snapshot} of {Collection}", created, name);
                await services.Events.PublishAsync(collection, Event.Normal, "SnapshotScheduled", "Schedule", $"created VectorSnapshot {created}", cancellationToken);
            }
            catch (ConflictException e) when (e.IsAlreadyExists)
            {
                // Created by an earlier reconcile whose status write was lost.
            }
        }

        foreach (var expired in plan.Delete)
        {
            await services.Client.DeleteIfExistsAsync<VectorSnapshot>(expired, ns, cancellationToken: cancellationToken);
            logger.LogInformation("Deleted scheduled snapshot {Snapshot} of {Collection} (retention)", expired, name);
        }

        if (plan.Skipped is { } skipped)
            await services.Events.PublishAsync(collection, Event.Warning, "SnapshotSkipped", "Schedule", skipped, cancellationToken);

        var newest = existing.OrderByDescending(s => s.ScheduledAt).FirstOrDefault();
        var lastSuccessful = existing.Where(s => s.Phase == SnapshotPhases.Completed).OrderByDescending(s => s.ScheduledAt).FirstOrDefault();
        await WriteAsync(collection, s =>
        {
            s.LastScheduleTime = plan.LastScheduleTime;
            s.NextScheduleTime = plan.NextScheduleTime;
            s.LastSnapshot = created ?? newest?.Name ?? s.LastSnapshot;
            s.LastSuccessfulSnapshot = lastSuccessful?.Name ?? s.LastSuccessfulSnapshot;
            s.Retained = plan.Retained;
            s.Message = schedule.Suspend ? "suspended (spec.snapshots.suspend)" : plan.Skipped;
        }, cancellationToken);

        if (plan.NextScheduleTime is not { } next) return ReconcileResult.Done;
        var wait = next - now;
        return ReconcileResult.RequeueAfter(wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait > MaxWait ? MaxWait : wait);
    }

    /// <summary>The snapshots with the phase the API server has for every one the cache shows as not finished (gone ones left out).</summary>
    private async Task<List<ScheduledSnapshot>> ConfirmRunningAsync(List<ScheduledSnapshot> cached, string ns, CancellationToken cancellationToken)
    {
        var confirmed = new List<ScheduledSnapshot>();
        foreach (var snapshot in cached)
        {
            if (SnapshotPhases.IsTerminal(snapshot.Phase))
            {
                confirmed.Add(snapshot);
                continue;
            }

            if (await services.Client.TryGetAsync<VectorSnapshot>(snapshot.Name, ns, cancellationToken) is { } fresh)
                confirmed.Add(snapshot with { Phase = fresh.Status?.Phase });
        }

        return confirmed;
    }

    private static DateTimeOffset ScheduledAt(VectorSnapshot snapshot) =>
        snapshot.Metadata.Annotations?.TryGetValue(SnapshotSchedule.ScheduledAtAnnotation, out var text) == true
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : snapshot.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue;

    private static VectorSnapshot Scheduled(VectorCollection collection, SnapshotScheduleSpec schedule, string name, DateTimeOffset due) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = collection.Metadata.Namespace,
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SnapshotSchedule.ScheduleLabel] = collection.Metadata.Name!,
                [Labels.Collection] = collection.Metadata.Name!,
                [Labels.ManagedBy] = Labels.ManagedByValue,
            },
            Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [SnapshotSchedule.ScheduledAtAnnotation] = due.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        },
        Spec = new VectorSnapshotSpec
        {
            Collection = collection.Metadata.Name!,
            Storage = KubernetesJson.Clone(schedule.Storage),
            DeletionPolicy = SnapshotDeletionPolicy.Delete,
        },
    };

    private Task<bool> WriteAsync(VectorCollection collection, Action<SnapshotScheduleStatus> change, CancellationToken cancellationToken) =>
        status.UpdateAsync<VectorCollection, VectorCollectionSpec, VectorCollectionStatus>(collection, (_, s) =>
        {
            s.Snapshots ??= new SnapshotScheduleStatus();
            change(s.Snapshots);
        }, cancellationToken);
}
