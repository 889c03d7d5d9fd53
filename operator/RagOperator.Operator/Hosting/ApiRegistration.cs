using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Resources;

namespace RagOperator.Operator.Hosting;

/// <summary>Registers the operator's custom resources with the Kubernetes client (idempotent).</summary>
public static class ApiRegistration
{
    public static void Register()
    {
        ResourceTypes.Register<VectorCollection>(ApiGroup.Name, ApiGroup.Version, VectorCollection.Plural, VectorCollection.KindName, namespaced: true);
        ResourceTypes.Register<VectorNodePool>(ApiGroup.Name, ApiGroup.Version, VectorNodePool.Plural, VectorNodePool.KindName, namespaced: false);
        ResourceTypes.Register<VectorSnapshot>(ApiGroup.Name, ApiGroup.Version, VectorSnapshot.Plural, VectorSnapshot.KindName, namespaced: true);
        ResourceTypes.Register<VectorRestore>(ApiGroup.Name, ApiGroup.Version, VectorRestore.Plural, VectorRestore.KindName, namespaced: true);
    }
}
