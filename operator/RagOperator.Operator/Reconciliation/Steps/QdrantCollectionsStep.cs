using Microsoft.Extensions.Logging;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Provisioning;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;

namespace RagOperator.Operator.Reconciliation.Steps;

/// <summary>
/// On every shard whose pods are ready: create the Qdrant collection (vector size and distance, HNSW, quantization,
/// replication across the shard's pods) with integer payload indexes on the cell and write-version fields; on an
/// existing collection, PATCH the HNSW, quantization and replication parameters that differ from the spec and
/// report what Qdrant cannot change in place. Finally count the shard's points. Shards are handled in parallel;
/// a failing shard is recorded and the others carry on.
/// </summary>
public sealed class QdrantCollectionsStep : IReconcileStep
{
    public string Name => "qdrant-collections";

    public async Task<StepResult> RunAsync(ReconcileContext context, CancellationToken cancellationToken)
    {
        var shards = context.Facts.Shards.Where(s => s.WorkloadReady).ToList();
        var notInPlace = await Task.WhenAll(shards.Select(shard => ReconcileShardAsync(context, shard, cancellationToken)));
        foreach (var message in notInPlace.SelectMany(m => m).Distinct(StringComparer.Ordinal))
            context.Facts.NotInPlace.Add(message);
        return StepResult.Continue;
    }

    private static async Task<IReadOnlyList<string>> ReconcileShardAsync(ReconcileContext context, ShardState shard, CancellationToken cancellationToken)
    {
        var endpoint = context.Services.ShardEndpoints.Resolve(context.Namespace, context.Name, shard.Index, context.Tls);
        var qdrant = context.Services.Qdrant.Get(endpoint, context.QdrantApiKey, context.ShardTrust);
        var collection = context.Name;
        var problems = new List<string>();
        try
        {
            var live = await TryGetAsync(qdrant, collection, cancellationToken);
            if (live is null)
            {
                await qdrant.CreateCollectionAsync(collection, CollectionParameters.Create(context.Spec), cancellationToken);
                foreach (var field in CollectionParameters.IndexedFields)
                    await qdrant.CreatePayloadIndexAsync(collection, field, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
                context.Logger.LogInformation("Created Qdrant collection {Collection} on shard {Shard}", collection, shard.Index);
                await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "CollectionCreated", "Provision",
                    $"Created the Qdrant collection on shard {shard.Index}", cancellationToken);
            }
            else
            {
                shard.WriteConsistencyFactor = live.Config.Params.WriteConsistencyFactor;
                var diff = CollectionParameters.Diff(context.Spec, live);
                if (diff.Patch is { } patch)
                {
                    await qdrant.UpdateCollectionAsync(collection, patch, cancellationToken);
                    context.Logger.LogInformation("Updated Qdrant collection parameters on shard {Shard}", shard.Index);
                    await context.Services.Events.PublishAsync(context.Collection, Event.Normal, "CollectionUpdated", "UpdateParameters",
                        $"Applied HNSW/quantization/replication changes to the Qdrant collection on shard {shard.Index}", cancellationToken);
                }

                foreach (var warning in diff.Warnings)
                {
                    await context.Services.Events.PublishAsync(context.Collection, Event.Warning, "PartiallyApplied", "UpdateParameters",
                        $"shard {shard.Index}: {warning}", cancellationToken);
                }

                foreach (var field in CollectionParameters.MissingIndexes(live))
                    await qdrant.CreatePayloadIndexAsync(collection, field, PayloadSchemaType.Integer, cancellationToken: cancellationToken);
                problems.AddRange(diff.NotInPlace.Select(p => $"shard {shard.Index}: {p}"));
            }

            shard.CollectionCreated = true;
            shard.Points = (long)await qdrant.CountAsync(collection, cancellationToken: cancellationToken);
        }
        catch (QdrantException e)
        {
            shard.Error = e.QdrantMessage is { Length: > 0 } message ? $"{e.Operation}: {message}" : e.Message;
            context.Logger.LogWarning("Qdrant on shard {Shard} failed: {Error}", shard.Index, e.Message);
        }

        return problems;
    }

    private static async Task<CollectionInfo?> TryGetAsync(IQdrantClient qdrant, string collection, CancellationToken cancellationToken)
    {
        try
        {
            return await qdrant.GetCollectionAsync(collection, cancellationToken);
        }
        catch (QdrantException e) when (e.IsNotFound)
        {
            return null;
        }
    }
}
