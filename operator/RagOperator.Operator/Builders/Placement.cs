using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using ApiToleration = RagOperator.Api.V1Alpha1.Toleration;
using PodToleration = RagOperator.Kubernetes.Models.Toleration;

namespace RagOperator.Operator.Builders;

/// <summary>
/// Where a shard's pods run: the VectorNodePool's nodeSelector, tolerations, affinity and topology spread, merged
/// with the operator's default anti-affinity.
/// <para>The default anti-affinity is <b>preferred</b>, not required: replicas of one shard avoid sharing a node
/// (weight 100) and a zone (weight 50). Required anti-affinity would leave pods Pending forever on a cluster with
/// fewer nodes than replicas (a laptop, a CI cluster, a pool that lost a node), which is worse than running
/// co-located until capacity returns. Pools that must have hard spreading say so with their own affinity or a
/// <c>DoNotSchedule</c> topology spread constraint, which are merged in unchanged.</para>
/// </summary>
public static class Placement
{
    public const string HostnameTopologyKey = "kubernetes.io/hostname";
    public const string ZoneTopologyKey = "topology.kubernetes.io/zone";

    public static IDictionary<string, string>? NodeSelector(VectorNodePool? pool) =>
        pool?.Spec.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector, StringComparer.Ordinal) : null;

    public static IList<PodToleration>? Tolerations(VectorNodePool? pool) =>
        pool?.Spec.Tolerations is { Count: > 0 } tolerations ? tolerations.Select(Convert).ToList() : null;

    /// <summary>The pool's affinity (copied) with the default pod anti-affinity terms appended.</summary>
    public static JsonObject Affinity(VectorNodePool? pool, IReadOnlyDictionary<string, string> podSelector)
    {
        var affinity = pool?.Spec.Affinity?.DeepClone().AsObject() ?? [];
        if (affinity["podAntiAffinity"] is not JsonObject antiAffinity)
        {
            antiAffinity = [];
            affinity["podAntiAffinity"] = antiAffinity;
        }

        if (antiAffinity["preferredDuringSchedulingIgnoredDuringExecution"] is not JsonArray preferred)
        {
            preferred = [];
            antiAffinity["preferredDuringSchedulingIgnoredDuringExecution"] = preferred;
        }

        preferred.Add(PreferredTerm(100, HostnameTopologyKey, podSelector));
        preferred.Add(PreferredTerm(50, ZoneTopologyKey, podSelector));
        return affinity;
    }

    /// <summary>The pool's topology spread constraints; an empty labelSelector is filled with the shard's selector.</summary>
    public static JsonArray? TopologySpreadConstraints(VectorNodePool? pool, IReadOnlyDictionary<string, string> podSelector)
    {
        if (pool?.Spec.TopologySpreadConstraints is not { Count: > 0 } constraints) return null;
        var result = new JsonArray();
        foreach (var constraint in constraints)
        {
            var copy = constraint.DeepClone().AsObject();
            if (copy["labelSelector"] is not JsonObject { Count: > 0 })
                copy["labelSelector"] = new JsonObject { ["matchLabels"] = MatchLabels(podSelector) };
            result.Add(copy);
        }

        return result;
    }

    /// <summary>The GPU extended resource the pool asks each pod to request, or null.</summary>
    public static (string Resource, int Count)? Gpu(VectorNodePool? pool) =>
        pool?.Spec.Gpu is { ResourceName: { Length: > 0 } resource, Count: > 0 } gpu ? (resource, gpu.Count) : null;

    public static bool GpuIndexing(VectorNodePool? pool) => Gpu(pool) is not null && pool!.Spec.Gpu!.Indexing;

    private static JsonObject PreferredTerm(int weight, string topologyKey, IReadOnlyDictionary<string, string> podSelector) => new()
    {
        ["weight"] = weight,
        ["podAffinityTerm"] = new JsonObject
        {
            ["labelSelector"] = new JsonObject { ["matchLabels"] = MatchLabels(podSelector) },
            ["topologyKey"] = topologyKey,
        },
    };

    private static JsonObject MatchLabels(IReadOnlyDictionary<string, string> labels)
    {
        var json = new JsonObject();
        foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal)) json[key] = value;
        return json;
    }

    private static PodToleration Convert(ApiToleration toleration) => new()
    {
        Key = toleration.Key,
        Operator = toleration.Operator?.ToString(),
        Value = toleration.Value,
        Effect = toleration.Effect?.ToString(),
        TolerationSeconds = toleration.TolerationSeconds,
    };
}
