namespace RagOperator.InProcess.Kubernetes;

/// <summary>The built-in kinds the server serves. They are stored generically: metadata is validated, the rest is not.</summary>
internal static class BuiltInResources
{
    public static IEnumerable<ResourceDefinition> All()
    {
        // Core group (/api/v1).
        yield return Define("", "v1", "namespaces", "Namespace", namespaced: false, status: true, shortNames: ["ns"]);
        yield return Define("", "v1", "pods", "Pod", status: true, shortNames: ["po"], categories: ["all"]);
        yield return Define("", "v1", "services", "Service", status: true, shortNames: ["svc"], categories: ["all"]);
        yield return Define("", "v1", "configmaps", "ConfigMap", shortNames: ["cm"]);
        yield return Define("", "v1", "secrets", "Secret");
        yield return Define("", "v1", "events", "Event", shortNames: ["ev"]);
        yield return Define("", "v1", "nodes", "Node", namespaced: false, status: true, shortNames: ["no"]);
        yield return Define("", "v1", "serviceaccounts", "ServiceAccount", shortNames: ["sa"]);
        yield return Define("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", status: true, shortNames: ["pvc"]);
        yield return Define("", "v1", "persistentvolumes", "PersistentVolume", namespaced: false, status: true, shortNames: ["pv"]);
        yield return Define("", "v1", "endpoints", "Endpoints", listKind: "EndpointsList", singular: "endpoints", shortNames: ["ep"]);
        yield return Define("", "v1", "limitranges", "LimitRange", shortNames: ["limits"]);
        yield return Define("", "v1", "resourcequotas", "ResourceQuota", status: true, shortNames: ["quota"]);

        yield return Define("apps", "v1", "statefulsets", "StatefulSet", status: true, shortNames: ["sts"], categories: ["all"]);
        yield return Define("apps", "v1", "deployments", "Deployment", status: true, shortNames: ["deploy"], categories: ["all"]);
        yield return Define("apps", "v1", "replicasets", "ReplicaSet", status: true, shortNames: ["rs"], categories: ["all"]);
        yield return Define("apps", "v1", "daemonsets", "DaemonSet", status: true, shortNames: ["ds"], categories: ["all"]);
        yield return Define("apps", "v1", "controllerrevisions", "ControllerRevision");
        yield return Define("batch", "v1", "jobs", "Job", status: true, categories: ["all"]);
        yield return Define("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", status: true, shortNames: ["pdb"]);
        yield return Define("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", status: true, shortNames: ["hpa"], categories: ["all"]);
        yield return Define("coordination.k8s.io", "v1", "leases", "Lease");
        yield return Define("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");
        yield return Define("events.k8s.io", "v1", "events", "Event", shortNames: ["ev"]);
        yield return Define("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", shortNames: ["netpol"]);
        yield return Define("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced: false, shortNames: ["sc"]);
        yield return Define("rbac.authorization.k8s.io", "v1", "roles", "Role");
        yield return Define("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding");
        yield return Define("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced: false);
        yield return Define("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced: false);
        yield return Define("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false, status: true, shortNames: ["crd", "crds"]);
    }

    private static ResourceDefinition Define(
        string group,
        string version,
        string plural,
        string kind,
        bool namespaced = true,
        bool status = false,
        string[]? shortNames = null,
        string[]? categories = null,
        string? listKind = null,
        string? singular = null) =>
        new()
        {
            Group = group,
            Plural = plural,
            Singular = singular ?? kind.ToLowerInvariant(),
            Kind = kind,
            ListKind = listKind ?? kind + "List",
            Namespaced = namespaced,
            Versions = [new ResourceVersion(version, Storage: true, HasStatusSubresource: status, Schema: null, Shape: BuiltInShape.Instance)],
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
        };
}
