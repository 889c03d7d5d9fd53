using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using ApiToleration = RagOperator.Api.V1Alpha1.Toleration;

namespace RagOperator.Operator.Reconciliation;

/// <summary>
/// Which nodes a VectorNodePool's pods can be scheduled on, as the scheduler would decide from the pool alone:
/// the node is schedulable (not cordoned), has every nodeSelector label, satisfies the required node affinity
/// (<c>In</c>, <c>NotIn</c>, <c>Exists</c>, <c>DoesNotExist</c>, <c>Gt</c>, <c>Lt</c> on labels), and every
/// NoSchedule/NoExecute taint is tolerated. Resource capacity (a GPU being free) is not considered.
/// </summary>
public static class NodeMatcher
{
    public static bool Matches(VectorNodePool pool, Node node)
    {
        if (node.Spec.Unschedulable == true) return false;
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        if (pool.Spec.NodeSelector is { } selector && selector.Any(s => !labels.TryGetValue(s.Key, out var value) || value != s.Value)) return false;
        if (!RequiredAffinityMatches(pool.Spec.Affinity, labels)) return false;
        var tolerations = pool.Spec.Tolerations ?? [];
        return (node.Spec.Taints ?? []).Where(t => t.Effect is "NoSchedule" or "NoExecute").All(taint => tolerations.Any(t => Tolerates(t, taint)));
    }

    public static bool Tolerates(ApiToleration toleration, Taint taint)
    {
        if (toleration.Effect is { } effect && effect.ToString() != taint.Effect) return false;
        if (toleration.Operator == TolerationOperator.Exists)
            return string.IsNullOrEmpty(toleration.Key) || toleration.Key == taint.Key;
        return toleration.Key == taint.Key && (toleration.Value ?? "") == (taint.Value ?? "");
    }

    private static bool RequiredAffinityMatches(JsonObject? affinity, IDictionary<string, string> labels)
    {
        if (affinity?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] is not JsonArray { Count: > 0 } terms)
            return true;
        // Terms are ORed; expressions inside a term are ANDed.
        return terms.OfType<JsonObject>().Any(term =>
            (term["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>().All(expression => ExpressionMatches(expression, labels)));
    }

    private static bool ExpressionMatches(JsonObject expression, IDictionary<string, string> labels)
    {
        var key = Text(expression["key"]) ?? "";
        var values = (expression["values"] as JsonArray ?? []).Select(Text).OfType<string>().ToList();
        var has = labels.TryGetValue(key, out var value);
        return Text(expression["operator"]) switch
        {
            "In" => has && values.Contains(value!),
            "NotIn" => !has || !values.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && long.TryParse(value, CultureInfo.InvariantCulture, out var gt) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var gtBound) && gt > gtBound,
            "Lt" => has && long.TryParse(value, CultureInfo.InvariantCulture, out var lt) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var ltBound) && lt < ltBound,
            _ => false,
        };
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
