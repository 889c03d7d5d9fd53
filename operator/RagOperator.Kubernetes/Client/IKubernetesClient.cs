using System.Text.Json.Nodes;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Client;

/// <summary>
/// The narrow seam between the operator and the API server. Single-object calls on a namespaced kind use the
/// object's (or argument's) namespace, falling back to <see cref="DefaultNamespace"/>; list and watch with a
/// null namespace span all namespaces. Errors surface as <see cref="KubernetesApiException"/> subclasses.
/// </summary>
public interface IKubernetesClient
{
    string DefaultNamespace { get; }

    /// <exception cref="NotFoundException">The object does not exist.</exception>
    Task<T> GetAsync<T>(string name, string? @namespace = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>One page; follow <see cref="ListMeta.Continue"/> (or use <c>ListAllAsync</c>) for the rest.</summary>
    Task<KubernetesList<T>> ListAsync<T>(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <exception cref="ConflictException">With <see cref="ConflictException.IsAlreadyExists"/> when the name is taken.</exception>
    Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>Replaces the object; <c>metadata.resourceVersion</c> makes it a compare-and-swap.</summary>
    /// <exception cref="ConflictException">The object changed since it was read.</exception>
    Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>Replaces only the status (the <c>/status</c> subresource); spec changes in <paramref name="obj"/> are ignored by the server.</summary>
    Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> PatchAsync<T>(string name, string? @namespace, KubernetesPatch patch, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> PatchStatusAsync<T>(string name, string? @namespace, KubernetesPatch patch, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>
    /// Server-side apply: sends <paramref name="obj"/> (nulls omitted) as the field manager's full intent.
    /// Creates the object if missing. Re-applying an unchanged intent writes nothing.
    /// </summary>
    /// <exception cref="ConflictException">Another manager owns a field and <see cref="ApplyOptions.Force"/> is false.</exception>
    Task<T> ApplyAsync<T>(T obj, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    Task<T> ApplyStatusAsync<T>(T obj, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>
    /// Server-side apply of a partial configuration (only the fields in <paramref name="configuration"/>, which carries
    /// apiVersion, kind and metadata.name): for claiming a few fields of an object whose typed model fills in more.
    /// </summary>
    Task<T> ApplyConfigurationAsync<T>(JsonObject configuration, ApplyOptions options, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>Deletes (or starts deleting, when finalizers or foreground propagation apply) the object.</summary>
    /// <exception cref="NotFoundException">The object does not exist.</exception>
    /// <exception cref="ConflictException">A precondition (uid, resourceVersion) does not hold.</exception>
    Task DeleteAsync<T>(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;

    /// <summary>
    /// One watch stream. It ends when the server closes it (timeout); transport failures throw; an ERROR event
    /// throws the matching <see cref="KubernetesApiException"/> (<see cref="GoneException"/> for 410). For a
    /// watch that survives all of these, use <see cref="Watching.Watcher{T}"/>.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(string? @namespace = null, WatchOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject;
}
