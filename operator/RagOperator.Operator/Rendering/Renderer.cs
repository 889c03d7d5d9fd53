using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using RagOperator.Operator.Seams;

namespace RagOperator.Operator.Rendering;

/// <summary>
/// The children the operator would create for each collection, exactly as the reconciler builds them, with the
/// initial routing table (version 1, default shard endpoints). A collection whose node pool is not among the
/// manifests is rendered without placement and reported in a notice, as the reconciler would refuse to apply it.
/// </summary>
public static class Renderer
{
    public static IReadOnlyList<JsonNode> Render(ManifestSet manifests, OperatorSettings settings, List<string> notices)
    {
        var documents = new List<JsonNode>();
        var pools = manifests.NodePools.ToDictionary(p => p.Metadata.Name ?? "", StringComparer.Ordinal);
        var endpoints = new DefaultShardEndpointResolver();
        foreach (var collection in manifests.Collections)
        {
            VectorNodePool? pool = null;
            if (collection.Spec.NodePoolRef is { } reference && !pools.TryGetValue(reference.Name, out pool))
                notices.Add($"VectorCollection {collection.Metadata.Name}: node pool {reference.Name} is not in the given files; rendered without its placement. " +
                            "The operator would not apply this collection until the pool exists.");

            // Render has no cluster: the owner's uid is unknown until the collection is created.
            collection.Metadata.Uid ??= "";
            var input = new BuildInput(collection, pool, settings);
            var table = RoutingTables.Initial(input, 1, shard => endpoints.Endpoint(collection.Metadata.Namespace!, collection.Metadata.Name!, shard, StatefulSetBuilder.Tls(input)));
            foreach (var child in CollectionChildren.All(input, table)) documents.Add(ToJson(child));
            foreach (var certificate in CertificateBuilder.All(input, settings.CertificateLifetimes)) documents.Add(ToJson(certificate));
        }

        return documents;
    }

    private static JsonObject ToJson(IKubernetesObject obj)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize((object)obj))!.AsObject();
        // An empty uid is not a valid owner reference; leave it out rather than print a broken one.
        if (json["metadata"]?["ownerReferences"] is JsonArray owners)
            foreach (var owner in owners.OfType<JsonObject>())
                if (owner["uid"]?.GetValue<string>() is "") owner.Remove("uid");
        return json;
    }
}
