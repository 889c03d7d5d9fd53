using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Migration;

/// <summary>One block of status to write: its JSON name under <c>status</c>, its value, and how it goes into the in-memory status.</summary>
internal sealed record StatusBlock(string Field, JsonNode? Value, Action<VectorCollectionStatus> Assign)
{
    public static StatusBlock Of<T>(string field, T block, Action<VectorCollectionStatus, T> assign)
        where T : class
    {
        // One serialization serves both the patch and the in-memory copy the rest of the reconcile sees.
        var json = KubernetesJson.Serialize(block);
        var copy = KubernetesJson.Deserialize<T>(json);
        return new StatusBlock(field, JsonNode.Parse(json), status => assign(status, copy));
    }
}

/// <summary>
/// Writes blocks of status (<c>status.migration</c>, <c>status.semantic</c>) with one JSON Patch that replaces only
/// those blocks on the status subresource. Each block has a single writer (the leader's migration step), so no
/// resourceVersion precondition is needed, a checkpoint never conflicts with the reconciler's end-of-chain status
/// write, and it never carries stale values of the fields the reconciler owns. (The reconciler's
/// <see cref="StatusWriter"/> re-reads the object on conflict and copies these blocks from the fresh copy, so it never
/// writes an old block back either.) Several blocks go in one patch, so facts that belong together (a training's
/// sample and the re-partition it started) are written all or none, even when the operator dies between them.
/// </summary>
internal static class StatusBlockStore
{
    public static async Task SaveAsync(ReconcileContext context, IReadOnlyList<StatusBlock> blocks, CancellationToken cancellationToken)
    {
        JsonObject[] operations = context.Collection.Status is not null
            ? [.. blocks.Select(b => new JsonObject { ["op"] = "add", ["path"] = $"/status/{b.Field}", ["value"] = b.Value?.DeepClone() })]
            : [new JsonObject { ["op"] = "add", ["path"] = "/status", ["value"] = new JsonObject(blocks.Select(b => KeyValuePair.Create(b.Field, b.Value?.DeepClone()))) }];
        var written = await context.Services.Client.PatchStatusAsync<VectorCollection>(
            context.Name, context.Namespace, KubernetesPatch.Json([.. operations]), cancellationToken);
        context.Collection.Status ??= new VectorCollectionStatus();
        foreach (var block in blocks) block.Assign(context.Collection.Status);
        context.Collection.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
    }
}
