using System.Text.Json.Nodes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;

namespace RagOperator.Operator.Reconciliation;

/// <summary>What <see cref="ChildApplier.ApplyAsync{T}"/> did.</summary>
public enum ApplyOutcome
{
    /// <summary>The cached live object already contains the desired state; no request was sent.</summary>
    Unchanged,
    Created,
    Updated,

    /// <summary>An object of that name exists and is not controlled by the collection; it was left alone.</summary>
    Conflict,
}

/// <summary>
/// Writes children by server-side apply (field manager <c>rag-operator</c>, forced, since the operator is the only
/// rightful owner of these fields) — but only when the cached live object does not already contain the desired
/// object (<see cref="SemanticSubset"/>). That is what makes a reconcile of an unchanged collection write nothing.
/// </summary>
public sealed class ChildApplier(IKubernetesClient client, IClusterView view, string fieldManager)
{
    public async Task<ApplyOutcome> ApplyAsync<T>(T desired, string? ownerUid, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var live = Live<T>(desired.Metadata.Namespace, desired.Metadata.Name!);
        if (live is not null)
        {
            if (!Owners.IsControlledBy(live, ownerUid)) return ApplyOutcome.Conflict;
            if (SemanticSubset.Contains(ToJson(live), ToJson(desired))) return ApplyOutcome.Unchanged;
        }

        await client.ApplyAsync(desired, new ApplyOptions(fieldManager, Force: true), cancellationToken);
        return live is null ? ApplyOutcome.Created : ApplyOutcome.Updated;
    }

    /// <summary>The live object from the cache (or null); kinds without an informer are not supported here.</summary>
    public T? Live<T>(string? @namespace, string name)
        where T : class, IKubernetesObject => view.Get<T>(@namespace, name);

    private static JsonNode? ToJson<T>(T obj) => JsonNode.Parse(KubernetesJson.Serialize(obj));
}
