using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Writes <c>status.semantic</c> with a JSON Patch of that block only, like <see cref="MigrationStatusStore"/>: the
/// migration step is its single writer, and the reconciler's status write keeps whatever the fresh object holds.
/// Nothing is sent when the block is unchanged.
/// </summary>
internal static class SemanticStatusStore
{
    public static async Task SaveAsync(ReconcileContext context, SemanticStatus semantic, CancellationToken cancellationToken)
    {
        var current = context.Collection.Status?.Semantic;
        if (current is not null && KubernetesJson.Serialize(current) == KubernetesJson.Serialize(semantic)) return;
        var value = JsonNode.Parse(KubernetesJson.Serialize(semantic));
        var hasStatus = context.Collection.Status is not null;
        var operation = new JsonObject
        {
            ["op"] = "add",
            ["path"] = hasStatus ? "/status/semantic" : "/status",
            ["value"] = hasStatus ? value : new JsonObject { ["semantic"] = value },
        };
        var written = await context.Services.Client.PatchStatusAsync<VectorCollection>(
            context.Name, context.Namespace, KubernetesPatch.Json([operation]), cancellationToken);
        context.Collection.Status ??= new VectorCollectionStatus();
        context.Collection.Status.Semantic = KubernetesJson.Clone(semantic);
        context.Collection.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
    }
}
