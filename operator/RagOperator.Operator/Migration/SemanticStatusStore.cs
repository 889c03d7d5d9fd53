using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Migration;

/// <summary>
/// Writes <c>status.semantic</c> (see <see cref="StatusBlockStore"/>); nothing is sent when the block is unchanged.
/// </summary>
internal static class SemanticStatusStore
{
    public static Task SaveAsync(ReconcileContext context, SemanticStatus semantic, CancellationToken cancellationToken)
    {
        var current = context.Collection.Status?.Semantic;
        return current is not null && KubernetesJson.Serialize(current) == KubernetesJson.Serialize(semantic)
            ? Task.CompletedTask
            : StatusBlockStore.SaveAsync(context, [Block(semantic)], cancellationToken);
    }

    public static StatusBlock Block(SemanticStatus semantic) => StatusBlock.Of("semantic", semantic, (status, block) => status.Semantic = block);
}
