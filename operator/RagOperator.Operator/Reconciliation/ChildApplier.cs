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
    public string FieldManager => fieldManager;

    /// <param name="desired">The operator's whole intent for the object.</param>
    /// <param name="ownerUid">The collection that must control the object.</param>
    /// <param name="evenIfContained">Send the apply even when the live object already contains <paramref name="desired"/>:
    /// needed to give up a field (a field the operator no longer applies leaves its managed set only through an apply).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<ApplyOutcome> ApplyAsync<T>(T desired, string? ownerUid, CancellationToken cancellationToken, bool evenIfContained = false)
        where T : class, IKubernetesObject
    {
        var live = Live<T>(desired.Metadata.Namespace, desired.Metadata.Name!);
        if (live is not null)
        {
            if (!Owners.IsControlledBy(live, ownerUid)) return ApplyOutcome.Conflict;
            if (!evenIfContained && SemanticSubset.Contains(ToJson(live), ToJson(desired))) return ApplyOutcome.Unchanged;
        }

        await client.ApplyAsync(desired, new ApplyOptions(fieldManager, Force: true), cancellationToken);
        return live is null ? ApplyOutcome.Created : ApplyOutcome.Updated;
    }

    /// <summary>
    /// Deletes a child the spec no longer asks for: only when the cache holds it and <paramref name="ownerUid"/>
    /// controls it, so an object of the same name that someone else made is left alone. True when a delete was sent.
    /// </summary>
    public async Task<bool> DeleteIfControlledAsync<T>(string? @namespace, string name, string? ownerUid, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var live = Live<T>(@namespace, name);
        if (live is null || !Owners.IsControlledBy(live, ownerUid)) return false;
        await client.DeleteIfExistsAsync<T>(name, @namespace, cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Whether the operator's applied configuration of <paramref name="obj"/> includes the field at <paramref name="path"/> (e.g. <c>f:spec</c>, <c>f:replicas</c>).</summary>
    public bool Owns(IKubernetesObject obj, params string[] path) =>
        obj.Metadata.ManagedFields?.Any(entry =>
            entry["manager"]?.GetValue<string>() == fieldManager && entry["operation"]?.GetValue<string>() == "Apply" && entry["subresource"] is null
            && path.Aggregate((JsonNode?)entry["fieldsV1"], (node, segment) => node?[segment]) is not null) == true;

    /// <summary>The live object from the cache (or null); kinds without an informer are not supported here.</summary>
    public T? Live<T>(string? @namespace, string name)
        where T : class, IKubernetesObject => view.Get<T>(@namespace, name);

    private static JsonNode? ToJson<T>(T obj) => JsonNode.Parse(KubernetesJson.Serialize(obj));
}
