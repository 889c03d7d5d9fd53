using System.Globalization;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Reconciliation;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Storage;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Restores a snapshot set into a VectorCollection with the same cells and routing:
/// <list type="number">
/// <item>Reads the set's manifest (from a completed VectorSnapshot, or a storage and key).</item>
/// <item>Creates the target collection from the manifest's spec, with the set's routing table as its first table
/// (<see cref="RestoredCollection"/>) — or accepts an existing target only if it has the same shape and cell
/// ownership and holds no point on any shard. A target with data is refused (condition Failed, reason
/// TargetHasData) before anything is written.</item>
/// <item>Waits until the target's shards are ready and its routing is published.</item>
/// <item>Streams each shard's file from the storage into the same shard of the target (Qdrant's snapshot upload
/// with the file's SHA-256, which Qdrant verifies; priority <c>snapshot</c>, so the pod's replicas sync from it),
/// checkpointing each shard in status.</item>
/// </list>
/// Failures are retried with backoff; after <see cref="SnapshotSettings.MaxAttempts"/> the restore is Failed.
/// </summary>
public sealed class VectorRestoreReconciler(SnapshotServices services, ILogger logger) : IReconciler<VectorRestore>
{
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        if (services.View.Get<VectorRestore>(request.Namespace, request.Name) is null) return ReconcileResult.Done;
        // From the API server (see VectorSnapshotReconciler): status is the checkpoint of recovered shards.
        var restore = await services.Client.TryGetAsync<VectorRestore>(request.Name, request.Namespace, cancellationToken);
        if (restore is null || restore.Metadata.DeletionTimestamp is not null || SnapshotPhases.IsTerminal(restore.Status?.Phase)) return ReconcileResult.Done;
        try
        {
            return await RestoreAsync(restore, cancellationToken);
        }
        catch (SnapshotStorageException e)
        {
            await SaveAsync(restore, s => Waiting(s, restore, SnapshotPhases.Pending, e.Reason, e.Message), cancellationToken);
            return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
        }
        catch (Exception e) when (e is QdrantException or ObjectStoreException or IOException)
        {
            return await FailAttemptAsync(restore, e, cancellationToken);
        }
    }

    private async Task<ReconcileResult> RestoreAsync(VectorRestore restore, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.Namespace!;
        var source = ResolveSource(restore);
        if (source.Wait is { } wait)
        {
            if (wait.Terminal) await FailAsync(restore, wait.Reason, wait.Message, cancellationToken);
            else await SaveAsync(restore, s => Waiting(s, restore, SnapshotPhases.Pending, wait.Reason, wait.Message), cancellationToken);
            return wait.Terminal ? ReconcileResult.Done : ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
        }

        var store = await services.Stores.OpenAsync(ns, source.Storage!, cancellationToken);
        SnapshotSetManifest manifest;
        try
        {
            manifest = SnapshotSetManifest.Parse(await ReadTextAsync(store, source.Manifest!, cancellationToken));
        }
        catch (FormatException e)
        {
            await FailAsync(restore, "InvalidManifest", $"{source.Manifest} at {store.Location} is not a usable snapshot set: {e.Message}", cancellationToken);
            return ReconcileResult.Done;
        }

        restore = await SaveAsync(restore, s =>
        {
            s.SourceCollection = $"{manifest.Namespace}/{manifest.Collection}";
            s.RoutingVersion = manifest.RoutingVersion;
            s.Files ??= [];
            s.Progress = VectorSnapshotReconciler.Progress(manifest.Files.Count, s.Files);
        }, cancellationToken);

        var targetName = restore.Spec.Target.Name;
        var target = await services.Client.TryGetAsync<VectorCollection>(targetName, ns, cancellationToken);
        if (target is null)
        {
            if (restore.Status!.TargetUid is not null)
            {
                await FailAsync(restore, "TargetDeleted", $"VectorCollection {targetName} was deleted while it was being restored", cancellationToken);
                return ReconcileResult.Done;
            }

            return await CreateTargetAsync(restore, manifest, cancellationToken);
        }

        if (restore.Status!.TargetUid != target.Metadata.Uid)
        {
            var verdict = await JudgeExistingAsync(restore, target, manifest, cancellationToken);
            if (verdict is not null) return verdict;
            restore = await SaveAsync(restore, s => s.TargetUid = target.Metadata.Uid, cancellationToken);
        }

        var table = await services.ReadRoutingAsync(ns, targetName, cancellationToken);
        var readyShards = target.Status?.Shards?.Where(s => s.Ready && s.CollectionCreated).Select(s => s.Index).ToHashSet() ?? [];
        if (table is null || manifest.Routing.Shards.Any(s => !readyShards.Contains(s.Id)))
        {
            await SaveAsync(restore, s => Waiting(s, restore, SnapshotPhases.WaitingForCollection, "WaitingForCollection",
                $"waiting until the shards of VectorCollection {targetName} are ready and its routing is published"), cancellationToken);
            return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
        }

        if (RestoredCollection.OwnershipDifference(table, manifest.Routing) is { } difference)
        {
            await FailAsync(restore, "RoutingMismatch", $"VectorCollection {targetName} does not route like the set: {difference}", cancellationToken);
            return ReconcileResult.Done;
        }

        return await RecoverShardsAsync(restore, target, store, manifest, cancellationToken);
    }

    private async Task<ReconcileResult> CreateTargetAsync(VectorRestore restore, SnapshotSetManifest manifest, CancellationToken cancellationToken)
    {
        var routing = RestoredCollection.RoutingConfigMap(restore, manifest);
        try
        {
            await services.Client.CreateAsync(routing, cancellationToken);
        }
        catch (ConflictException e) when (e.IsAlreadyExists)
        {
            // Left by an earlier attempt of this restore; replace it so it holds this set's table.
            var existing = await services.Client.GetAsync<ConfigMap>(routing.Metadata.Name!, routing.Metadata.Namespace, cancellationToken);
            routing.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await services.Client.UpdateAsync(routing, cancellationToken);
        }

        var created = await services.Client.CreateAsync(RestoredCollection.Collection(restore, manifest), cancellationToken);
        var message = $"created VectorCollection {created.Metadata.Name} with {manifest.Routing.Shards.Length} shards and the cell ownership of {manifest.Namespace}/{manifest.Collection} routing v{manifest.RoutingVersion}";
        await SaveAsync(restore, s =>
        {
            s.TargetUid = created.Metadata.Uid;
            s.StartedAt ??= services.Time.GetUtcNow();
            s.Phase = SnapshotPhases.CreatingCollection;
            s.Message = message;
            SetConditions(s, restore, false, "CreatingCollection", message, null);
        }, cancellationToken);
        await services.Events.PublishAsync(restore, Event.Normal, "CollectionCreated", "Restore", message, cancellationToken);
        return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
    }

    /// <summary>Null when the existing target may receive the set; else the result after refusing or waiting.</summary>
    private async Task<ReconcileResult?> JudgeExistingAsync(VectorRestore restore, VectorCollection target, SnapshotSetManifest manifest, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.Namespace!;
        var name = target.Metadata.Name!;
        var table = await services.ReadRoutingAsync(ns, name, cancellationToken);
        var problems = RestoredCollection.Incompatibilities(target, table, manifest);
        if (problems.Count > 0)
        {
            await FailAsync(restore, "TargetIncompatible",
                $"VectorCollection {name} exists and cannot receive the set: {string.Join("; ", problems)}; delete it or restore into a new name (spec.target.name)",
                cancellationToken);
            return ReconcileResult.Done;
        }

        var ready = target.Status?.Shards?.Where(s => s.Ready && s.CollectionCreated).Select(s => s.Index).ToHashSet() ?? [];
        if (table is null || table.Shards.Any(s => !ready.Contains(s.Id)))
        {
            await SaveAsync(restore, s => Waiting(s, restore, SnapshotPhases.WaitingForCollection, "WaitingForCollection",
                $"VectorCollection {name} exists; waiting until its shards are ready to check that it holds no data"), cancellationToken);
            return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
        }

        var apiKey = await services.ReadSecretAsync(ns, target.Spec.Qdrant.ApiKeySecretRef, $"spec.qdrant.apiKeySecretRef of {name}", cancellationToken);
        var trust = await Tls.CollectionTrust.ReadAsync(services.Client, target, cancellationToken);
        var withData = new List<string>();
        foreach (var shard in table.Shards)
        {
            var points = await ((IQdrantClient)services.Admin(ns, name, shard.Id, apiKey, trust)).CountAsync(name, cancellationToken: cancellationToken);
            if (points > 0) withData.Add(string.Create(CultureInfo.InvariantCulture, $"shard {shard.Id}: {points} points"));
        }

        if (withData.Count == 0) return null;
        await FailAsync(restore, "TargetHasData",
            $"VectorCollection {name} already holds data ({string.Join(", ", withData)}); a restore never overwrites data, so nothing was written. " +
            "Restore into a new collection (spec.target.name), or delete this one first", cancellationToken);
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> RecoverShardsAsync(
        VectorRestore restore, VectorCollection target, IObjectStore store, SnapshotSetManifest manifest, CancellationToken cancellationToken)
    {
        var ns = restore.Metadata.Namespace!;
        var name = target.Metadata.Name!;
        var apiKey = await services.ReadSecretAsync(ns, target.Spec.Qdrant.ApiKeySecretRef, $"spec.qdrant.apiKeySecretRef of {name}", cancellationToken);
        var trust = await Tls.CollectionTrust.ReadAsync(services.Client, target, cancellationToken);
        restore = await SaveAsync(restore, s =>
        {
            s.Phase = SnapshotPhases.Restoring;
            s.StartedAt ??= services.Time.GetUtcNow();
            s.Message = $"recovering {manifest.Files.Count} shard files into {name}";
            SetConditions(s, restore, false, SnapshotPhases.Restoring, s.Message, null);
        }, cancellationToken);

        foreach (var file in manifest.Files.OrderBy(f => f.Shard))
        {
            if (restore.Status!.Files!.Any(f => f.Shard == file.Shard)) continue;
            var admin = services.Admin(ns, name, file.Shard, apiKey, trust);
            await using (var content = await store.OpenReadAsync(file.Key, cancellationToken))
            {
                await admin.UploadSnapshotStreamAsync(name, content, file.Sha256, SnapshotPriority.Snapshot, cancellationToken);
            }

            var points = (long)await ((IQdrantClient)admin).CountAsync(name, cancellationToken: cancellationToken);
            logger.LogInformation("Recovered shard {Shard} of {Collection} from {Key}: {Points} points", file.Shard, name, file.Key, points);
            restore = await SaveAsync(restore, s =>
            {
                s.Files!.Add(new SnapshotFileStatus { Shard = file.Shard, Key = file.Key, Size = file.Size, Sha256 = file.Sha256, Points = points });
                s.Progress = VectorSnapshotReconciler.Progress(manifest.Files.Count, s.Files!);
                s.Message = $"recovered shard {file.Shard} ({s.Progress.Summary})";
            }, cancellationToken);
        }

        var total = restore.Status!.Files!.Sum(f => f.Points);
        var done = $"restored {manifest.Files.Count} shards ({total} points) of {manifest.Namespace}/{manifest.Collection} routing v{manifest.RoutingVersion} into {name}";
        restore = await SaveAsync(restore, s =>
        {
            s.Phase = SnapshotPhases.Completed;
            s.CompletedAt = services.Time.GetUtcNow();
            s.LastError = null;
            s.Message = done;
            SetConditions(s, restore, true, "Completed", done, null);
        }, cancellationToken);
        await services.Events.PublishAsync(restore, Event.Normal, "RestoreCompleted", "Restore", done, cancellationToken);
        await services.Events.PublishAsync(target, Event.Normal, "Restored", "Restore", $"VectorRestore {restore.Metadata.Name}: {done}", cancellationToken);
        return ReconcileResult.Done;
    }

    private (SnapshotStorageSpec? Storage, string? Manifest, (bool Terminal, string Reason, string Message)? Wait) ResolveSource(VectorRestore restore)
    {
        var source = restore.Spec.Source;
        if (source.Snapshot is not { } snapshotName) return (source.Storage, source.Manifest, null);
        var snapshot = services.View.Get<VectorSnapshot>(restore.Metadata.Namespace, snapshotName);
        if (snapshot is null)
            return (null, null, (false, "SnapshotNotFound", $"VectorSnapshot {snapshotName} does not exist in this namespace; create it or fix spec.source.snapshot"));
        return snapshot.Status?.Phase switch
        {
            SnapshotPhases.Completed when snapshot.Status.Manifest is { } manifest => (snapshot.Spec.Storage, manifest, null),
            SnapshotPhases.Failed => (null, null, (true, "SnapshotFailed", $"VectorSnapshot {snapshotName} failed: {snapshot.Status.Message}")),
            _ => (null, null, (false, "SnapshotNotComplete", $"waiting for VectorSnapshot {snapshotName} to complete (phase {snapshot.Status?.Phase ?? "Pending"})")),
        };
    }

    private async Task<ReconcileResult> FailAttemptAsync(VectorRestore restore, Exception error, CancellationToken cancellationToken)
    {
        var attempts = (restore.Status?.FailedAttempts ?? 0) + 1;
        logger.LogWarning("Restore {Restore} attempt {Attempt} failed: {Error}", restore.Metadata.Name, attempts, error.Message);
        if (attempts >= services.Settings.MaxAttempts)
        {
            restore = await SaveAsync(restore, s => s.FailedAttempts = attempts, cancellationToken);
            await FailAsync(restore, "RestoreFailed", $"gave up after {attempts} failed attempts; last error: {error.Message}", cancellationToken);
            return ReconcileResult.Done;
        }

        restore = await SaveAsync(restore, s =>
        {
            s.FailedAttempts = attempts;
            s.LastError = error.Message;
            s.Message = $"attempt {attempts} failed, retrying: {error.Message}";
            SetConditions(s, restore, false, "Retrying", s.Message, null);
        }, cancellationToken);
        await services.Events.PublishAsync(restore, Event.Warning, "RestoreRetrying", "Restore", restore.Status!.Message!, cancellationToken);
        return ReconcileResult.RequeueAfter(services.Settings.RetryDelay(attempts));
    }

    private async Task FailAsync(VectorRestore restore, string reason, string message, CancellationToken cancellationToken)
    {
        logger.LogWarning("Restore {Restore} failed ({Reason}): {Message}", restore.Metadata.Name, reason, message);
        restore = await SaveAsync(restore, s =>
        {
            s.Phase = SnapshotPhases.Failed;
            s.CompletedAt = services.Time.GetUtcNow();
            s.LastError = message;
            s.Message = message;
            SetConditions(s, restore, false, reason, message, (reason, message));
        }, cancellationToken);
        await services.Events.PublishAsync(restore, Event.Warning, reason, "Restore", message, cancellationToken);
    }

    private static async Task<string> ReadTextAsync(IObjectStore store, string key, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(key, cancellationToken);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private void Waiting(VectorRestoreStatus status, VectorRestore restore, string phase, string reason, string message)
    {
        status.Phase = phase;
        status.Message = message;
        SetConditions(status, restore, false, reason, message, null);
    }

    private void SetConditions(VectorRestoreStatus status, VectorRestore restore, bool complete, string reason, string message, (string Reason, string Message)? failed)
    {
        var conditions = new ConditionSet(status.Conditions, restore.Metadata.Generation, services.Time);
        conditions.Set(SnapshotPhases.CompleteCondition, complete, reason, message);
        if (failed is { } f) conditions.Set(SnapshotPhases.FailedCondition, true, f.Reason, f.Message);
        else conditions.Set(SnapshotPhases.FailedCondition, false, "AsExpected", "no failure");
        status.Conditions = conditions.ToList();
    }

    private Task<VectorRestore> SaveAsync(VectorRestore restore, Action<VectorRestoreStatus> change, CancellationToken cancellationToken) =>
        StatusSaver.SaveAsync<VectorRestore, VectorRestoreSpec, VectorRestoreStatus>(services.Client, restore, s =>
        {
            change(s);
            s.ObservedGeneration = restore.Metadata.Generation;
        }, cancellationToken);
}
