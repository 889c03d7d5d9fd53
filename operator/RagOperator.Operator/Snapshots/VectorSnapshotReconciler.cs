using System.Globalization;
using Microsoft.Extensions.Logging;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Operator.Reconciliation;
using RagOperator.Operator.Reconciliation.Steps;
using RagOperator.Qdrant;
using SnapshotDescription = RagOperator.Qdrant.Models.SnapshotDescription;
using RagOperator.Routing;
using RagOperator.Storage;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Takes a VectorSnapshot: one Qdrant collection snapshot per shard of the collection's routing table, each streamed
/// from the shard's snapshot peer straight into the storage, then the set's manifest.
/// <para>Consistency: every point lives on the shard that owns its cell in one routing version, so a set whose files
/// were all taken while that version stayed published holds each point exactly once. The set is therefore started
/// only under a stable table with no migration running, the version is read from the API server (not a cache)
/// before the first and after the last file, and a set whose version changed in between is discarded and taken
/// again. Writes that land while the files are taken are in some files and not others, as with any online
/// backup; each file is consistent in itself (Qdrant snapshots a collection atomically).</para>
/// <para>Progress is checkpointed in status after each file, so a restarted operator resumes with the next shard.
/// Failures are retried with backoff; after <see cref="SnapshotSettings.MaxAttempts"/> the snapshot is Failed.
/// Qdrant's own copy of each file is deleted once stored. With <c>deletionPolicy: Delete</c> a finalizer removes the
/// stored files when the VectorSnapshot is deleted.</para>
/// </summary>
public sealed class VectorSnapshotReconciler(SnapshotServices services, ILogger logger) : IReconciler<VectorSnapshot>
{
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        // Read from the API server, not the cache: progress is checkpointed in status, and a cache a write behind
        // would make this reconcile take a shard's file again only to lose the status write to a conflict.
        if (services.View.Get<VectorSnapshot>(request.Namespace, request.Name) is null) return ReconcileResult.Done;
        var snapshot = await services.Client.TryGetAsync<VectorSnapshot>(request.Name, request.Namespace, cancellationToken);
        if (snapshot is null) return ReconcileResult.Done;
        var ns = snapshot.Metadata.Namespace!;
        if (snapshot.Metadata.DeletionTimestamp is not null)
        {
            await FinalizeAsync(snapshot, cancellationToken);
            return ReconcileResult.Done;
        }

        if (SnapshotPhases.IsTerminal(snapshot.Status?.Phase)) return ReconcileResult.Done;
        if (snapshot.Spec.DeletionPolicy == SnapshotDeletionPolicy.Delete && !Finalizers.Has(snapshot))
            snapshot = await Finalizers.AddAsync(services.Client, snapshot, cancellationToken);

        try
        {
            // The storage is opened first (it reads Secrets from the API server) and the collection read after it, so
            // the decision to start rests on state no older than the Secret: a reconcile that found no migration
            // before the credentials arrived must not start a set under a migration that began in between.
            var store = await services.Stores.OpenAsync(ns, snapshot.Spec.Storage, cancellationToken);
            var collection = services.View.Get<VectorCollection>(ns, snapshot.Spec.Collection);
            if (collection is null)
            {
                await SaveAsync(snapshot, s => Waiting(s, snapshot.Metadata.Generation, SnapshotPhases.Pending, "CollectionNotFound",
                    $"VectorCollection {snapshot.Spec.Collection} does not exist in namespace {ns}; create it or fix spec.collection"), cancellationToken);
                return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
            }

            return await TakeAsync(snapshot, collection, store, cancellationToken);
        }
        catch (SnapshotStorageException e)
        {
            await SaveAsync(snapshot, s => Waiting(s, snapshot.Metadata.Generation, SnapshotPhases.Pending, e.Reason, e.Message), cancellationToken);
            return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
        }
    }

    private async Task<ReconcileResult> TakeAsync(VectorSnapshot snapshot, VectorCollection collection, IObjectStore store, CancellationToken cancellationToken)
    {
        var ns = snapshot.Metadata.Namespace!;
        var name = collection.Metadata.Name!;
        var table = await services.ReadRoutingAsync(ns, name, cancellationToken);
        var wait = WaitReason(collection, table);
        if (wait is not null)
        {
            snapshot = await DiscardIfStartedAsync(snapshot, table, cancellationToken);
            await SaveAsync(snapshot, s => Waiting(s, snapshot.Metadata.Generation, wait.Value.Phase, wait.Value.Reason, wait.Value.Message), cancellationToken);
            return ReconcileResult.RequeueAfter(services.Settings.WaitRecheck);
        }

        snapshot = await DiscardIfStartedAsync(snapshot, table, cancellationToken);
        var apiKey = await services.ReadSecretAsync(ns, collection.Spec.Qdrant.ApiKeySecretRef, "the collection's spec.qdrant.apiKeySecretRef", cancellationToken);
        var trust = await Tls.CollectionTrust.ReadAsync(services.Client, collection, cancellationToken);
        var prefix = SnapshotKeys.SetPrefix(ns, name, snapshot.Metadata.Name!, snapshot.Metadata.Uid);
        var now = services.Time.GetUtcNow();
        snapshot = await SaveAsync(snapshot, s =>
        {
            s.Phase = SnapshotPhases.Running;
            s.RoutingVersion = table!.Version;
            s.Location = store.Location;
            s.StartedAt ??= now;
            s.Files ??= [];
            s.Progress = Progress(table.Shards.Length, s.Files);
            s.Message = $"taking one snapshot per shard under routing version {table.Version}";
            Conditions(s, snapshot, complete: false, SnapshotPhases.Running, s.Message, failed: null);
        }, cancellationToken);

        try
        {
            foreach (var shard in table!.Shards)
            {
                if (snapshot.Status!.Files!.Any(f => f.Shard == shard.Id)) continue;
                var file = await TakeShardAsync(snapshot, name, shard.Id, store, prefix, apiKey, trust, cancellationToken);
                snapshot = await SaveAsync(snapshot, s =>
                {
                    s.Files!.Add(file);
                    s.Progress = Progress(table.Shards.Length, s.Files);
                    s.Message = $"stored shard {shard.Id} ({s.Progress.Summary})";
                }, cancellationToken);
            }

            var after = await services.ReadRoutingAsync(ns, name, cancellationToken);
            if (after?.Version != table.Version)
            {
                logger.LogInformation("Routing of {Collection} moved from v{From} to v{To} while snapshot {Snapshot} was taken; starting over",
                    name, table.Version, after?.Version, snapshot.Metadata.Name);
                snapshot = await DiscardIfStartedAsync(snapshot, after, cancellationToken);
                return ReconcileResult.RequeueAfter(TimeSpan.Zero);
            }

            var files = snapshot.Status!.Files!.OrderBy(f => f.Shard).Select(f => new SnapshotSetFile(f.Shard, f.Key, f.Size, f.Sha256, f.Points)).ToList();
            var manifest = new SnapshotSetManifest(ns, name, snapshot.Metadata.Name!, services.Time.GetUtcNow(), table, collection.Spec, files);
            var manifestKey = SnapshotKeys.Manifest(prefix);
            await PutTextAsync(store, manifestKey, manifest.ToJson(), cancellationToken);
            var completed = services.Time.GetUtcNow();
            var bytes = files.Sum(f => f.Size);
            snapshot = await SaveAsync(snapshot, s =>
            {
                s.Phase = SnapshotPhases.Completed;
                s.Manifest = manifestKey;
                s.CompletedAt = completed;
                s.LastError = null;
                s.Message = string.Create(CultureInfo.InvariantCulture, $"stored {files.Count} shard files ({bytes} bytes) and the manifest under routing version {table.Version}");
                Conditions(s, snapshot, complete: true, "Completed", s.Message, failed: null);
            }, cancellationToken);
            await services.Events.PublishAsync(snapshot, Event.Normal, "SnapshotCompleted", "Snapshot", snapshot.Status!.Message!, cancellationToken);
            await services.Events.PublishAsync(collection, Event.Normal, "SnapshotCompleted", "Snapshot",
                $"VectorSnapshot {snapshot.Metadata.Name} stored {files.Count} shard files at {store.Location}", cancellationToken);
            return ReconcileResult.Done;
        }
        catch (Exception e) when (e is QdrantException or ObjectStoreException or IOException)
        {
            return await FailAttemptAsync(snapshot, collection, e, cancellationToken);
        }
    }

    /// <summary>Why the set cannot be started now (null when it can).</summary>
    private static (string Phase, string Reason, string Message)? WaitReason(VectorCollection collection, RoutingTable? table)
    {
        var name = collection.Metadata.Name;
        if (table is null)
            return (SnapshotPhases.Pending, "WaitingForCollection", $"VectorCollection {name} has no routing table yet; waiting until it is provisioned");
        if (!table.IsStable || collection.Status?.Migration is { Phase: not (Api.V1Alpha1.MigrationPhase.Done or Api.V1Alpha1.MigrationPhase.RolledBack) })
        {
            return (SnapshotPhases.WaitingForMigration, "MigrationRunning",
                $"a stream migration of {name} is running (routing v{table.Version}); a snapshot set must match one routing table, so it starts when the migration is done");
        }

        var shards = collection.Status?.Shards ?? [];
        var notReady = table.Shards.Where(s => !shards.Any(x => x.Index == s.Id && x.Ready && x.CollectionCreated)).Select(s => s.Id).ToList();
        return notReady.Count > 0
            ? (SnapshotPhases.Pending, "ShardsNotReady", $"shards {string.Join(", ", notReady)} of {name} are not ready; waiting")
            : null;
    }

    private async Task<SnapshotFileStatus> TakeShardAsync(
        VectorSnapshot snapshot, string collection, int shard, IObjectStore store, string prefix, string? apiKey, Qdrant.Tls.TrustBundle? trust, CancellationToken cancellationToken)
    {
        var ns = snapshot.Metadata.Namespace!;
        var admin = services.Admin(ns, collection, shard, apiKey, trust);
        var data = (IQdrantClient)admin;
        var points = (long)await data.CountAsync(collection, cancellationToken: cancellationToken);
        var description = await admin.CreateSnapshotAsync(collection, cancellationToken);
        var key = SnapshotKeys.ShardFile(prefix, shard);
        try
        {
            var (size, sha) = description.Checksum is { Length: 64 } checksum
                ? await StreamAsync(admin, collection, description, checksum, store, key, cancellationToken)
                : await BufferAsync(admin, collection, description, store, key, cancellationToken);
            logger.LogInformation("Stored snapshot of {Collection} shard {Shard} ({Bytes} bytes) as {Key}", collection, shard, size, key);
            return new SnapshotFileStatus { Shard = shard, Key = key, Size = size, Sha256 = sha, Points = points };
        }
        finally
        {
            await DeleteQuietlyAsync(admin, collection, description.Name);
        }
    }

    /// <summary>Qdrant gave the checksum: the download streams straight into the store, which checks length and hash.</summary>
    private static async Task<(long, string)> StreamAsync(
        IQdrantAdminClient admin, string collection, SnapshotDescription description, string checksum, IObjectStore store, string key,
        CancellationToken cancellationToken)
    {
        await using var source = await admin.OpenSnapshotAsync(collection, description.Name, cancellationToken);
        await store.PutAsync(key, source, (long)description.Size, checksum, cancellationToken);
        return ((long)description.Size, checksum.ToLowerInvariant());
    }

    /// <summary>No checksum from Qdrant: buffer the file on local disk to hash it first (the store needs the hash up front).</summary>
    private async Task<(long, string)> BufferAsync(
        IQdrantAdminClient admin, string collection, SnapshotDescription description, IObjectStore store, string key, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(services.Settings.TemporaryDirectory);
        var path = Path.Combine(services.Settings.TemporaryDirectory, $"{Guid.NewGuid():N}.snapshot");
        try
        {
            long size;
            string sha;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, useAsync: true))
            {
                await using (var source = await admin.OpenSnapshotAsync(collection, description.Name, cancellationToken))
                {
                    (size, sha) = await HashingCopy.CopyAsync(source, file, cancellationToken);
                }

                file.Position = 0;
                await store.PutAsync(key, file, size, sha, cancellationToken);
            }

            return (size, sha);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task DeleteQuietlyAsync(IQdrantAdminClient admin, string collection, string name)
    {
        try
        {
            await admin.DeleteSnapshotAsync(collection, name, CancellationToken.None);
        }
        catch (QdrantException e)
        {
            // The stored copy is what matters; a leftover file on the node only costs disk until deleted by hand.
            logger.LogWarning("Could not delete Qdrant snapshot {Name} of {Collection}: {Error}", name, collection, e.Message);
        }
    }

    /// <summary>Drops a half-taken set whose routing version is no longer the published one (files and status).</summary>
    private async Task<VectorSnapshot> DiscardIfStartedAsync(VectorSnapshot snapshot, RoutingTable? current, CancellationToken cancellationToken)
    {
        var status = snapshot.Status;
        if (status?.RoutingVersion is not { } version || version == current?.Version || status.Files is not { Count: > 0 } files) return snapshot;
        var store = await services.Stores.OpenAsync(snapshot.Metadata.Namespace!, snapshot.Spec.Storage, cancellationToken);
        foreach (var file in files) await store.DeleteAsync(file.Key, cancellationToken);
        await services.Events.PublishAsync(snapshot, Event.Warning, "SnapshotRestarted", "Snapshot",
            $"routing moved from v{version} to v{current?.Version.ToString(CultureInfo.InvariantCulture) ?? "(none)"} while the set was taken; its {files.Count} files were discarded and the set starts over",
            cancellationToken);
        return await SaveAsync(snapshot, s =>
        {
            s.Files = [];
            s.RoutingVersion = null;
            s.Progress = null;
        }, cancellationToken);
    }

    private async Task<ReconcileResult> FailAttemptAsync(VectorSnapshot snapshot, VectorCollection collection, Exception error, CancellationToken cancellationToken)
    {
        var attempts = (snapshot.Status?.FailedAttempts ?? 0) + 1;
        var final = attempts >= services.Settings.MaxAttempts;
        logger.LogWarning("Snapshot {Snapshot} attempt {Attempt} failed: {Error}", snapshot.Metadata.Name, attempts, error.Message);
        snapshot = await SaveAsync(snapshot, s =>
        {
            s.FailedAttempts = attempts;
            s.LastError = error.Message;
            if (final)
            {
                s.Phase = SnapshotPhases.Failed;
                s.CompletedAt = services.Time.GetUtcNow();
                s.Message = $"gave up after {attempts} failed attempts; last error: {error.Message}";
                Conditions(s, snapshot, complete: false, "SnapshotFailed", s.Message, failed: ("SnapshotFailed", s.Message));
            }
            else
            {
                s.Message = $"attempt {attempts} failed, retrying: {error.Message}";
                Conditions(s, snapshot, complete: false, "Retrying", s.Message, failed: null);
            }
        }, cancellationToken);
        await services.Events.PublishAsync(snapshot, Event.Warning, final ? "SnapshotFailed" : "SnapshotRetrying", "Snapshot", snapshot.Status!.Message!, cancellationToken);
        if (final)
            await services.Events.PublishAsync(collection, Event.Warning, "SnapshotFailed", "Snapshot", $"VectorSnapshot {snapshot.Metadata.Name}: {snapshot.Status.Message}", cancellationToken);
        return final ? ReconcileResult.Done : ReconcileResult.RequeueAfter(services.Settings.RetryDelay(attempts));
    }

    private async Task FinalizeAsync(VectorSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(snapshot)) return;
        if (snapshot.Spec.DeletionPolicy == SnapshotDeletionPolicy.Delete && snapshot.Status?.Location is not null)
        {
            var store = await services.Stores.OpenAsync(snapshot.Metadata.Namespace!, snapshot.Spec.Storage, cancellationToken);
            var keys = (snapshot.Status.Files ?? []).Select(f => f.Key).ToList();
            if (snapshot.Status.Manifest is { } manifest) keys.Insert(0, manifest);
            // The manifest goes first: a set without a manifest is incomplete, never mistaken for a usable one.
            foreach (var key in keys) await store.DeleteAsync(key, cancellationToken);
            logger.LogInformation("Deleted {Count} stored files of snapshot {Snapshot}", keys.Count, snapshot.Metadata.Name);
        }

        await Finalizers.RemoveAsync(services.Client, snapshot, cancellationToken);
    }

    private static async Task PutTextAsync(IObjectStore store, string key, string text, CancellationToken cancellationToken)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        using var content = new MemoryStream(bytes, writable: false);
        await store.PutAsync(key, content, bytes.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), cancellationToken);
    }

    private void Waiting(VectorSnapshotStatus status, long? generation, string phase, string reason, string message)
    {
        status.Phase = phase;
        status.Message = message;
        var conditions = new ConditionSet(status.Conditions, generation, services.Time);
        conditions.Set(SnapshotPhases.CompleteCondition, false, reason, message);
        conditions.Set(SnapshotPhases.FailedCondition, false, "AsExpected", "no failure");
        status.Conditions = conditions.ToList();
    }

    private void Conditions(VectorSnapshotStatus status, VectorSnapshot snapshot, bool complete, string reason, string message, (string Reason, string Message)? failed)
    {
        var conditions = new ConditionSet(status.Conditions, snapshot.Metadata.Generation, services.Time);
        conditions.Set(SnapshotPhases.CompleteCondition, complete, reason, message);
        if (failed is { } f) conditions.Set(SnapshotPhases.FailedCondition, true, f.Reason, f.Message);
        else conditions.Set(SnapshotPhases.FailedCondition, false, "AsExpected", "no failure");
        status.Conditions = conditions.ToList();
    }

    internal static TransferProgress Progress(int total, IEnumerable<SnapshotFileStatus> files)
    {
        var list = files.ToList();
        return new TransferProgress
        {
            ShardsTotal = total,
            ShardsDone = list.Count,
            Bytes = list.Sum(f => f.Size),
            Summary = string.Create(CultureInfo.InvariantCulture, $"{list.Count}/{total}"),
        };
    }

    private Task<VectorSnapshot> SaveAsync(VectorSnapshot snapshot, Action<VectorSnapshotStatus> change, CancellationToken cancellationToken) =>
        StatusSaver.SaveAsync<VectorSnapshot, VectorSnapshotSpec, VectorSnapshotStatus>(services.Client, snapshot, s =>
        {
            change(s);
            s.ObservedGeneration = snapshot.Metadata.Generation;
        }, cancellationToken);
}
