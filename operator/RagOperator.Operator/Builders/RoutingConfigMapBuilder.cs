using System.Globalization;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;
using RagOperator.Routing;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The routing table as ConfigMaps: <c>&lt;collection&gt;-routing</c> (key <c>routing.json</c>) is the active version the
/// routers watch; <c>&lt;collection&gt;-routing-v&lt;N&gt;</c> are immutable history copies (the last
/// <see cref="HistoryLimit"/> are kept) for audit and rollback. History is written before the active map, so every
/// version a router ever served has a history copy.
/// </summary>
public static class RoutingConfigMapBuilder
{
    public const int HistoryLimit = 10;
    public const string VersionAnnotation = "ragoperator.io/routing-version";

    public static ConfigMap Active(BuildInput input, RoutingTable table) => Build(input, ChildNames.RoutingConfigMap(input.Name), table, immutable: null);

    public static ConfigMap History(BuildInput input, RoutingTable table) =>
        Build(input, ChildNames.RoutingHistory(input.Name, table.Version), table, immutable: true);

    /// <summary>History versions to delete so that only the newest <see cref="HistoryLimit"/> remain.</summary>
    public static IReadOnlyList<long> HistoryToPrune(IEnumerable<long> versions) =>
        versions.OrderDescending().Skip(HistoryLimit).Order().ToList();

    private static ConfigMap Build(BuildInput input, string name, RoutingTable table, bool? immutable) => new()
    {
        Metadata = Owners.Metadata(input, name, Labels.ForRouting(input.Name), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [VersionAnnotation] = table.Version.ToString(CultureInfo.InvariantCulture),
        }),
        Data = new Dictionary<string, string>(StringComparer.Ordinal) { [ChildNames.RoutingKey] = table.ToJson(indented: true) },
        Immutable = immutable,
    };
}
