using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Watching;

/// <summary>The cache and work-queue key of an object: <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
public static class ObjectKey
{
    public static string Of(IKubernetesObject obj) => Of(obj.Metadata.Namespace, obj.Metadata.Name ?? "");

    public static string Of(string? @namespace, string name) => string.IsNullOrEmpty(@namespace) ? name : $"{@namespace}/{name}";

    public static (string? Namespace, string Name) Split(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }
}
