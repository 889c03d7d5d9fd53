using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Writes <c>status.migration</c>, the migration's own block of status: phase, moves with their checkpoints,
/// verify passes, progress. It is written with a JSON Patch that replaces only that block on the status subresource:
/// the block has a single writer (the leader's migration step), so no resourceVersion precondition is needed, a
/// checkpoint never conflicts with the reconciler's end-of-chain status write, and it never carries stale values
/// of the fields the reconciler owns. (The reconciler's <see cref="StatusWriter"/> re-reads the object on conflict
/// and copies this block from the fresh copy, so it never writes an old block back either.)
/// </summary>
internal static class MigrationStatusStore
{
    public static async Task SaveAsync(ReconcileContext context, MigrationStatus migration, CancellationToken cancellationToken)
    {
        var value = JsonNode.Parse(KubernetesJson.Serialize(migration));
        var hasStatus = context.Collection.Status is not null;
        var operation = new JsonObject
        {
            ["op"] = "add",
            ["path"] = hasStatus ? "/status/migration" : "/status",
            ["value"] = hasStatus ? value : new JsonObject { ["migration"] = value },
        };
        var written = await context.Services.Client.PatchStatusAsync<VectorCollection>(
            context.Name, context.Namespace, KubernetesPatch.Json([operation]), cancellationToken);
        context.Collection.Status ??= new VectorCollectionStatus();
        context.Collection.Status.Migration = KubernetesJson.Clone(migration);
        context.Collection.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
    }
}
