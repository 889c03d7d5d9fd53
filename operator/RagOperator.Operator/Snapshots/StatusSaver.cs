using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Snapshots;

/// <summary>
/// Status writes of the snapshot and restore controllers, which are the only writers of their kinds' status: apply
/// the change to a copy, send it only if it differs, and carry on with the object the API server returned (its
/// resourceVersion is the one the next write must match). A conflict surfaces and the reconcile is retried.
/// </summary>
internal static class StatusSaver
{
    public static async Task<T> SaveAsync<T, TSpec, TStatus>(IKubernetesClient client, T current, Action<TStatus> change, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<TSpec, TStatus>
        where TStatus : class, new()
    {
        var before = KubernetesJson.Serialize(current.Status);
        var status = current.Status is null ? new TStatus() : KubernetesJson.Clone(current.Status);
        change(status);
        if (KubernetesJson.Serialize(status) == before) return current;
        var copy = KubernetesJson.Clone(current);
        copy.Status = status;
        return await client.UpdateStatusAsync(copy, cancellationToken);
    }
}
