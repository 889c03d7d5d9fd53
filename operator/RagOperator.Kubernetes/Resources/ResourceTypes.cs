using System.Collections.Concurrent;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Resources;

/// <summary>
/// Maps model types to their REST resource. Built-in kinds are known; custom resources (the operator's CRD types)
/// are registered once at startup with <see cref="Register{T}(ResourceType)"/>, which keeps this project free of
/// any reference to the API project.
/// </summary>
public static class ResourceTypes
{
    private static readonly ConcurrentDictionary<Type, ResourceType> ByType = new(new Dictionary<Type, ResourceType>
    {
        [typeof(Pod)] = new("", "v1", "pods", "Pod", true),
        [typeof(Service)] = new("", "v1", "services", "Service", true),
        [typeof(ConfigMap)] = new("", "v1", "configmaps", "ConfigMap", true),
        [typeof(Secret)] = new("", "v1", "secrets", "Secret", true),
        [typeof(ServiceAccount)] = new("", "v1", "serviceaccounts", "ServiceAccount", true),
        [typeof(PersistentVolumeClaim)] = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true),
        [typeof(Node)] = new("", "v1", "nodes", "Node", false),
        [typeof(Namespace)] = new("", "v1", "namespaces", "Namespace", false),
        [typeof(StatefulSet)] = new("apps", "v1", "statefulsets", "StatefulSet", true),
        [typeof(Deployment)] = new("apps", "v1", "deployments", "Deployment", true),
        [typeof(PodDisruptionBudget)] = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true),
        [typeof(HorizontalPodAutoscaler)] = new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true),
        [typeof(NetworkPolicy)] = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
        [typeof(EndpointSlice)] = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
        [typeof(Lease)] = new("coordination.k8s.io", "v1", "leases", "Lease", true),
        [typeof(Event)] = new("events.k8s.io", "v1", "events", "Event", true),
        [typeof(Role)] = new("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
        [typeof(RoleBinding)] = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
        [typeof(ClusterRole)] = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        [typeof(ClusterRoleBinding)] = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
        [typeof(CustomResourceDefinition)] = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
        [typeof(CertManagerCertificate)] = new("cert-manager.io", "v1", "certificates", "Certificate", true),
    });

    /// <summary>Registers (or re-registers with the same values) the resource of a model type.</summary>
    public static void Register<T>(ResourceType resource)
        where T : IKubernetesObject
    {
        var stored = ByType.GetOrAdd(typeof(T), resource);
        if (stored != resource)
            throw new InvalidOperationException($"{typeof(T).Name} is already registered as {stored}, cannot register it as {resource}");
    }

    public static void Register<T>(string group, string version, string plural, string kind, bool namespaced = true)
        where T : IKubernetesObject =>
        Register<T>(new ResourceType(group, version, plural, kind, namespaced));

    public static ResourceType For<T>()
        where T : IKubernetesObject => For(typeof(T));

    public static ResourceType For(Type type) =>
        ByType.TryGetValue(type, out var resource)
            ? resource
            : throw new InvalidOperationException(
                $"{type.Name} has no registered Kubernetes resource; call ResourceTypes.Register<{type.Name}>(group, version, plural, kind, namespaced) at startup");

    public static bool TryFor(Type type, out ResourceType resource) => ByType.TryGetValue(type, out resource!);

    public static IReadOnlyCollection<ResourceType> All => ByType.Values.ToList();
}

/// <summary>Short form for call sites: <c>Resource.For&lt;StatefulSet&gt;()</c>.</summary>
public static class Resource
{
    public static ResourceType For<T>()
        where T : IKubernetesObject => ResourceTypes.For<T>();
}
