using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.TestSupport.PodSecurity;

namespace RagOperator.Operator.Tests;

/// <summary>Collections and pools as the API server would return them (defaults from the C# initializers).</summary>
internal static class Fixtures
{
    public static VectorCollection Collection(string name = "docs", string @namespace = "search", Action<VectorCollectionSpec>? configure = null)
    {
        var collection = new VectorCollection
        {
            Metadata = new ObjectMeta { Name = name, Namespace = @namespace, Uid = $"uid-{name}", Generation = 1, ResourceVersion = "10" },
            Spec = new VectorCollectionSpec { Dimension = 8, Shards = 2 },
        };
        configure?.Invoke(collection.Spec);
        return collection;
    }

    public static VectorNodePool Pool(string name = "gpu", Action<VectorNodePoolSpec>? configure = null)
    {
        var pool = new VectorNodePool { Metadata = new ObjectMeta { Name = name, Uid = $"uid-{name}", Generation = 1 } };
        configure?.Invoke(pool.Spec);
        return pool;
    }

    public static VectorNodePool GpuPool(string resource = "nvidia.com/gpu", int count = 1, bool indexing = true) =>
        Pool("gpu", spec =>
        {
            spec.NodeSelector = new Dictionary<string, string> { ["pool"] = "gpu" };
            spec.Gpu = new GpuSpec { ResourceName = resource, Count = count, Indexing = indexing };
        });

    public static BuildInput Input(VectorCollection? collection = null, VectorNodePool? pool = null) =>
        new(collection ?? Collection(), pool, new OperatorSettings());

    public static JsonObject Json(object value) => JsonNode.Parse(KubernetesJson.Serialize(value))!.AsObject();

    public static IReadOnlyList<PodSecurityViolation> Restricted(PodTemplateSpec template) =>
        PodSecurityChecker.CheckRestricted(Json(template.Spec), template.Metadata is null ? null : Json(template.Metadata), "spec.template.spec");
}
