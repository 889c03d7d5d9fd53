using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// The one way status is written. <c>mutate</c> changes the status of the object it is given; if the status did not
/// change (compared as JSON) nothing is sent. A conflict (someone else wrote in between) re-reads the object and
/// runs <c>mutate</c> again on the fresh copy, so fields other writers own (the migration block) are never
/// overwritten with stale values.
/// </summary>
public sealed class StatusWriter(IKubernetesClient client)
{
    public const int MaxAttempts = 5;

    /// <returns>True when a write was sent; false when nothing changed or the object is gone.</returns>
    public async Task<bool> UpdateAsync<T, TSpec, TStatus>(T current, Action<T, TStatus> mutate, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<TSpec, TStatus>
        where TStatus : class, new()
    {
        var target = current;
        for (var attempt = 1; ; attempt++)
        {
            var before = KubernetesJson.Serialize(target.Status);
            var status = target.Status is null ? new TStatus() : KubernetesJson.Clone(target.Status);
            mutate(target, status);
            if (KubernetesJson.Serialize(status) == before) return false;
            var copy = KubernetesJson.Clone(target);
            copy.Status = status;
            try
            {
                await client.UpdateStatusAsync(copy, cancellationToken);
                return true;
            }
            catch (NotFoundException)
            {
                return false;
            }
            catch (ConflictException e) when (!e.IsAlreadyExists && attempt < MaxAttempts)
            {
                var fresh = await client.TryGetAsync<T>(target.Metadata.Name!, target.Metadata.Namespace, cancellationToken);
                if (fresh is null) return false;
                target = fresh;
            }
        }
    }
}
