using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Operator.Builders;

/// <summary>Metadata shared by every child: name, namespace, labels and the controller owner reference.</summary>
public static class Owners
{
    /// <summary>
    /// The controller reference to the collection. blockOwnerDeletion makes a foreground delete of the collection
    /// wait for its children, and garbage collection removes them after a background delete.
    /// </summary>
    public static OwnerReference ControllerReference(VectorCollection collection) => new()
    {
        ApiVersion = collection.ApiVersion,
        Kind = collection.Kind,
        Name = collection.Metadata.Name ?? "",
        Uid = collection.Metadata.Uid ?? "",
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static ObjectMeta Metadata(BuildInput input, string name, IDictionary<string, string> labels, IDictionary<string, string>? annotations = null) => new()
    {
        Name = name,
        Namespace = input.Namespace,
        Labels = labels,
        Annotations = annotations,
        OwnerReferences = [ControllerReference(input.Collection)],
    };

    /// <summary>True when <paramref name="obj"/> is controlled by the collection with this uid.</summary>
    public static bool IsControlledBy(IKubernetesObject obj, string? collectionUid) =>
        collectionUid is not null
        && obj.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == collectionUid && o.Kind == VectorCollection.KindName) == true;
}
