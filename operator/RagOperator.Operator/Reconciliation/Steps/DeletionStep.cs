using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Qdrant;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// A collection being deleted: its children go by owner-reference garbage collection; this step only does what GC
/// cannot. PersistentVolumeClaims are created by the StatefulSets, not owned by the collection, so
/// <c>storage.retainOnDelete</c> decides: true keeps them (re-creating a collection of the same name reattaches the
/// data), false deletes every claim labelled for the collection (<c>app.kubernetes.io/instance=&lt;collection&gt;</c>, component shard) and, first, drops the Qdrant collection on every
/// shard still reachable (best effort, so disks are freed even where a claim lingers). Then the finalizer goes.
/// </summary>
public sealed class DeletionStep : IReconcileStep
{
    public string Name => "deletion";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var collection = context.Collection;
        if (collection.Metadata.DeletionTimestamp is null) return StepResult.Continue;
        if (!Finalizers.Has(collection)) return StepResult.Done;

        var client = context.Services.Client;
        if (!context.Spec.Storage.RetainOnDelete)
        {
            await DropQdrantCollectionsAsync(context, cancellationToken);
            // Claims carry the StatefulSet selector's labels (instance = collection, component = shard) in every
            // cluster; the template's other labels are added by the real controller but not by every simulator.
            var selector = Labels.ToSelector(new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Labels.Instance] = context.Name,
                [Labels.Component] = Labels.ShardComponent,
            });
            var claims = new List<PersistentVolumeClaim>();
            await foreach (var claim in client.ListAllAsync<PersistentVolumeClaim>(context.Namespace, new ListOptions { LabelSelector = selector }, cancellationToken: cancellationToken))
                claims.Add(claim);
            foreach (var claim in claims.Where(c => c.Metadata.DeletionTimestamp is null))
                await client.DeleteIfExistsAsync<PersistentVolumeClaim>(claim.Metadata.Name!, context.Namespace, cancellationToken: cancellationToken);
            context.Logger.LogInformation("Deleted {Count} PersistentVolumeClaims of collection {Collection} (storage.retainOnDelete is false)", claims.Count, context.Name);
        }
        else
        {
            context.Logger.LogInformation("Keeping the PersistentVolumeClaims of collection {Collection} (storage.retainOnDelete is true)", context.Name);
        }

        try
        {
            await Finalizers.RemoveAsync(client, collection, cancellationToken);
        }
        catch (NotFoundException)
        {
            // Already gone.
        }

        return StepResult.Done;
    }

    private static async Task DropQdrantCollectionsAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var apiKey = await SpecChecksStep.TryReadSecretAsync(context, context.Spec.Qdrant.ApiKeySecretRef, cancellationToken);
        var trust = await Tls.CollectionTrust.ReadAsync(context.Services.Client, context.Collection, cancellationToken);
        for (var shard = 0; shard < context.ShardCount; shard++)
        {
            var endpoint = context.Services.ShardEndpoints.Resolve(context.Namespace, context.Name, shard, context.Tls);
            try
            {
                await context.Services.Qdrant.Get(endpoint, apiKey, trust).DeleteCollectionAsync(context.Name, cancellationToken);
            }
            catch (QdrantException e)
            {
                context.Logger.LogInformation("Qdrant collection on shard {Shard} not dropped: {Error}", shard, e.Message);
            }
        }
    }
}
