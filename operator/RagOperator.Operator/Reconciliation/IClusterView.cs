using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Watching;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// The reconciler's read-only view of the cluster: informer caches, so reading costs no request. Returned objects
/// are copies the caller may change.
/// </summary>
public interface IClusterView
{
    T? Get<T>(string? @namespace, string name)
        where T : class, IKubernetesObject;

    /// <summary>All cached objects of a kind in a namespace (all namespaces when null).</summary>
    IReadOnlyList<T> List<T>(string? @namespace)
        where T : class, IKubernetesObject;

    /// <summary>
    /// The cached objects of a kind in a namespace with an owner reference to <paramref name="ownerUid"/>. Prefer it to
    /// filtering <see cref="List{T}"/>: only the owned objects are copied, so a reconcile does not slow down with the
    /// number of collections in the namespace.
    /// </summary>
    IReadOnlyList<T> OwnedBy<T>(string? @namespace, string ownerUid)
        where T : class, IKubernetesObject =>
        [.. List<T>(@namespace).Where(o => o.Metadata.OwnerReferences?.Any(r => r.Uid == ownerUid) == true)];
}

/// <summary>
/// An <see cref="IClusterView"/> over informers. With <c>--watch-namespaces</c> a kind has one informer per
/// namespace; a read for a namespace goes to the informer that covers it.
/// </summary>
public sealed class InformerClusterView : IClusterView
{
    private readonly Dictionary<Type, List<(string? Namespace, object Informer)>> informers = [];

    public InformerClusterView Add<T>(Informer<T> informer, string? @namespace)
        where T : class, IKubernetesObject
    {
        if (!informers.TryGetValue(typeof(T), out var list)) informers[typeof(T)] = list = [];
        list.Add((@namespace, informer));
        return this;
    }

    public T? Get<T>(string? @namespace, string name)
        where T : class, IKubernetesObject
    {
        foreach (var (scope, informer) in For<T>())
        {
            if (scope is null || scope == @namespace)
            {
                if (((Informer<T>)informer).Get(ObjectKey.Of(@namespace, name)) is { } found) return found;
            }
        }

        return null;
    }

    public IReadOnlyList<T> List<T>(string? @namespace)
        where T : class, IKubernetesObject
    {
        var result = new List<T>();
        foreach (var (scope, informer) in For<T>())
        {
            var typed = (Informer<T>)informer;
            if (@namespace is null) result.AddRange(typed.List());
            else if (scope is null || scope == @namespace) result.AddRange(typed.List(@namespace));
        }

        return result;
    }

    /// <summary>Through the informers' owner-UID index (<see cref="Indexes.ByOwnerUid"/>): copies only the owned objects.</summary>
    public IReadOnlyList<T> OwnedBy<T>(string? @namespace, string ownerUid)
        where T : class, IKubernetesObject
    {
        var result = new List<T>();
        foreach (var (scope, informer) in For<T>())
        {
            if (@namespace is not null && scope is not null && scope != @namespace) continue;
            result.AddRange(((Informer<T>)informer).ByIndex(Indexes.ByOwnerUid, ownerUid)
                .Where(o => @namespace is null || o.Metadata.Namespace == @namespace));
        }

        return result;
    }

    private List<(string? Namespace, object Informer)> For<T>() =>
        informers.TryGetValue(typeof(T), out var list)
            ? list
            : throw new InvalidOperationException($"no informer caches {typeof(T).Name}; register one with the operator host");
}
