using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Naming;

namespace RagOperator.Operator.Builders;

/// <summary>
/// The collection's NetworkPolicies (ingress only; outgoing traffic is left alone, so DNS and the API server need
/// no rules): the shards admit their routers and the operator on Qdrant's REST and gRPC ports and each other on the
/// peer-to-peer port; the routers admit <c>spec.router.allowedFrom</c> (default: the collection's namespace) and the
/// operator, which asks them for their routing version, on their HTTP and gRPC ports alike (a client may use either
/// API). <c>spec.networkPolicy.metricsFrom</c> may scrape both, on the HTTP ports that serve <c>/metrics</c>.
/// </summary>
public static class NetworkPolicyBuilder
{
    private static readonly string[] Ingress = ["Ingress"];

    /// <summary>Both policies, or none when <c>spec.networkPolicy.enabled</c> is false.</summary>
    public static IReadOnlyList<NetworkPolicy> Build(BuildInput input) =>
        input.Spec.NetworkPolicy.Enabled ? [Shards(input), Routers(input)] : [];

    public static NetworkPolicy Shards(BuildInput input)
    {
        var rules = new List<NetworkPolicyIngressRule>
        {
            Rule([Pods(Labels.RouterSelector(input.Name)), Operator(input.Settings)], Ports.QdrantHttp, Ports.QdrantGrpc),
            Rule([Pods(Labels.AllShards(input.Name))], Ports.QdrantP2p),
        };
        if (Peers(input.Spec.NetworkPolicy.MetricsFrom) is { Count: > 0 } scrapers) rules.Add(Rule(scrapers, Ports.QdrantHttp));
        return Policy(input, ChildNames.ShardNetworkPolicy(input.Name), Labels.ForShards(input.Name), Labels.AllShards(input.Name), rules);
    }

    public static NetworkPolicy Routers(BuildInput input)
    {
        var clients = Peers(input.Spec.Router.AllowedFrom) is { Count: > 0 } allowed
            ? allowed
            : [new NetworkPolicyPeer { PodSelector = new LabelSelector() }];
        var rules = new List<NetworkPolicyIngressRule>
        {
            Rule([.. clients, Operator(input.Settings)], Ports.Router, Ports.RouterGrpc),
        };
        if (Peers(input.Spec.NetworkPolicy.MetricsFrom) is { Count: > 0 } scrapers) rules.Add(Rule(scrapers, Ports.Router));
        return Policy(input, ChildNames.RouterNetworkPolicy(input.Name), Labels.ForRouter(input.Name), Labels.RouterSelector(input.Name), rules);
    }

    private static NetworkPolicy Policy(
        BuildInput input, string name, Dictionary<string, string> labels, Dictionary<string, string> selector, List<NetworkPolicyIngressRule> rules) => new()
    {
        Metadata = Owners.Metadata(input, name, labels),
        Spec = new NetworkPolicySpec
        {
            PodSelector = new LabelSelector { MatchLabels = selector },
            PolicyTypes = Ingress,
            Ingress = rules,
        },
    };

    private static NetworkPolicyIngressRule Rule(IList<NetworkPolicyPeer> from, params int[] ports) => new()
    {
        From = from,
        Ports = [.. ports.Select(port => new NetworkPolicyPort { Protocol = "TCP", Port = port })],
    };

    private static NetworkPolicyPeer Pods(Dictionary<string, string> labels) => new() { PodSelector = new LabelSelector { MatchLabels = labels } };

    /// <summary>The operator's pods: in its own namespace when known, else wherever pods carry its labels.</summary>
    private static NetworkPolicyPeer Operator(OperatorSettings settings) => new()
    {
        NamespaceSelector = settings.OperatorNamespace is { } ns
            ? new LabelSelector { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["kubernetes.io/metadata.name"] = ns } }
            : new LabelSelector(),
        PodSelector = new LabelSelector { MatchLabels = new Dictionary<string, string>(settings.OperatorPodLabels, StringComparer.Ordinal) },
    };

    private static List<NetworkPolicyPeer> Peers(IList<NetworkPeer>? peers) =>
        [.. (peers ?? []).Select(peer => new NetworkPolicyPeer { NamespaceSelector = peer.NamespaceSelector, PodSelector = peer.PodSelector })];
}
