using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;

namespace RagOperator.Operator.Tests.Reconciliation;

/// <summary>A cluster view over a dictionary, standing in for informer caches (a cache that lags is one not yet <see cref="Put"/>).</summary>
internal sealed class DictionaryView : IClusterView
{
    private readonly Dictionary<(Type, string?, string), IKubernetesObject> objects = [];

    public void Put<T>(T obj)
        where T : class, IKubernetesObject => objects[(typeof(T), obj.Metadata.Namespace, obj.Metadata.Name!)] = obj;

    public T? Get<T>(string? @namespace, string name)
        where T : class, IKubernetesObject =>
        objects.TryGetValue((typeof(T), @namespace, name), out var obj) ? KubernetesJson.Clone((T)obj) : null;

    public IReadOnlyList<T> List<T>(string? @namespace)
        where T : class, IKubernetesObject =>
        objects.Where(o => o.Key.Item1 == typeof(T) && (@namespace is null || o.Key.Item2 == @namespace)).Select(o => KubernetesJson.Clone((T)o.Value)).ToList();
}
