using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Per-pass pod lookups for the simulated controllers. Without them every StatefulSet and Deployment scanned (and
/// re-listed, which copies) every pod in the store on every pass — quadratic in the number of workloads, which stalls
/// a sandbox with a thousand collections.
/// </summary>
internal static class PodIndex
{
    /// <summary>Pods by the UID of their controller owner reference ("" for pods without a controller).</summary>
    public static ILookup<string, JsonObject> ByController(IEnumerable<JsonObject> pods) =>
        pods.ToLookup(p => Meta.OwnerReferences(p).FirstOrDefault(r => r.Controller)?.Uid ?? "", StringComparer.Ordinal);

    /// <summary>The current state of the named pods (those that still exist), read one by one.</summary>
    public static List<JsonObject> Reread(SimulatorClient client, string @namespace, IEnumerable<string> names) =>
        [.. names.Distinct(StringComparer.Ordinal).Select(name => client.Store.Get("pods", @namespace, name)).OfType<JsonObject>()];
}
