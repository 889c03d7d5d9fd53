using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Writes one block of status (<c>status.migration</c>, <c>status.semantic</c>) with a JSON Patch that replaces only
/// that block on the status subresource. Each block has a single writer (the leader's migration step), so no
/// resourceVersion precondition is needed, a checkpoint never conflicts with the reconciler's end-of-chain status
/// write, and it never carries stale values of the fields the reconciler owns. (The reconciler's
/// <see cref="StatusWriter"/> re-reads the object on conflict and copies these blocks from the fresh copy, so it never
/// writes an old block back either.)
/// </summary>
internal static class StatusBlockStore
{
    /// <param name="field">The block's JSON name under <c>status</c>.</param>
    /// <param name="assign">Puts the written block into the in-memory status, so the rest of the reconcile sees it.</param>
    public static async Task SaveAsync<T>(
        ReconcileContext context, string field, T block, Action<VectorCollectionStatus, T> assign, CancellationToken cancellationToken)
        where T : class
    {
        var value = JsonNode.Parse(KubernetesJson.Serialize(block));
        var hasStatus = context.Collection.Status is not null;
        var operation = new JsonObject
        {
            ["op"] = "add",
            ["path"] = hasStatus ? $"/status/{field}" : "/status",
            ["value"] = hasStatus ? value : new JsonObject { [field] = value },
        };
        var written = await context.Services.Client.PatchStatusAsync<VectorCollection>(
            context.Name, context.Namespace, KubernetesPatch.Json([operation]), cancellationToken);
        context.Collection.Status ??= new VectorCollectionStatus();
        assign(context.Collection.Status, KubernetesJson.Clone(block));
        context.Collection.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
    }
}
