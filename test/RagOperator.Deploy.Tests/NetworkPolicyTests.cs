using System.Text.Json.Nodes;
using RagOperator.Deploy.Tests.Infrastructure;

namespace RagOperator.Deploy.Tests;

public sealed class NetworkPolicyTests
{
    private static RenderedManifests AllOptions => Rendered.Get(Rendered.ChartAllOptions);

    [Fact]
    public void A_collections_shards_accept_the_api_ports_only_from_the_operator_and_its_own_routers()
    {
        var policy = AllOptions.Single("NetworkPolicy", "rag-operator-docs-shards");
        var ingress = policy["spec"]!["ingress"]!.AsArray();

        policy["metadata"]!["namespace"]!.GetValue<string>().Should().Be("team-c");
        Selector(policy["spec"]!["podSelector"]).Should().Contain("ragoperator.io/collection", "docs").And.Contain("app.kubernetes.io/name", "qdrant");
        var api = RuleFor(ingress, 6333);
        Ports(api).Should().Equal(6333, 6334);
        var peers = api["from"]!.AsArray();
        peers.Should().HaveCount(2);
        Selector(peers[0]!["namespaceSelector"]).Should().Contain("kubernetes.io/metadata.name", "rag-system");
        Selector(peers[0]!["podSelector"]).Should().Contain("app.kubernetes.io/component", "operator");
        Selector(peers[1]!["podSelector"]).Should().Contain("app.kubernetes.io/name", "rag-router").And.Contain("app.kubernetes.io/instance", "docs");
        peers[1]!["namespaceSelector"].Should().BeNull("routers must be in the collection's own namespace");
    }

    [Fact]
    public void The_peer_port_is_open_only_between_shards_of_the_same_collection()
    {
        var ingress = AllOptions.Single("NetworkPolicy", "rag-operator-docs-shards")["spec"]!["ingress"]!.AsArray();
        var peer = RuleFor(ingress, 6335);

        Ports(peer).Should().Equal(6335);
        var from = peer["from"]!.AsArray().Single()!;
        Selector(from["podSelector"]).Should().Contain("app.kubernetes.io/name", "qdrant").And.Contain("ragoperator.io/collection", "docs");
        from["namespaceSelector"].Should().BeNull();
    }

    [Fact]
    public void Namespace_wide_policies_cover_the_listed_namespaces()
    {
        var shards = AllOptions.OfKind("NetworkPolicy").Where(p => Name(p) == "rag-operator-shards").Select(Namespace);
        var routers = AllOptions.OfKind("NetworkPolicy").Where(p => Name(p) == "rag-operator-routers").Select(Namespace);

        shards.Should().BeEquivalentTo("team-a", "team-b");
        routers.Should().BeEquivalentTo("team-a", "team-b");
    }

    [Fact]
    public void Routers_accept_http_and_grpc_from_the_configured_clients_and_the_operator_and_http_from_the_scrapers()
    {
        var policy = AllOptions.Single("NetworkPolicy", "rag-operator-tickets-routers");
        var rules = policy["spec"]!["ingress"]!.AsArray().Select(r => r!.AsObject()).ToList();

        Selector(policy["spec"]!["podSelector"]).Should().Contain("app.kubernetes.io/instance", "tickets");
        rules.Should().HaveCount(2);
        Ports(rules[0]).Should().Equal(8080, 6334);
        var clients = rules[0]["from"]!.AsArray();
        clients.Should().HaveCount(2);
        Selector(clients[0]!["podSelector"]).Should().Contain("app.kubernetes.io/name", "chat-backend");
        Selector(clients[1]!["podSelector"]).Should().Contain("app.kubernetes.io/component", "operator");
        Ports(rules[1]).Should().Equal([8080], "/metrics is served on the HTTP port only");
        Selector(rules[1]["from"]!.AsArray().Single()!["namespaceSelector"]).Should().Contain("kubernetes.io/metadata.name", "monitoring");
    }

    [Fact]
    public void Every_policy_restricts_ingress_only()
    {
        foreach (var policy in AllOptions.OfKind("NetworkPolicy"))
        {
            policy["spec"]!["policyTypes"]!.AsArray().Select(t => t!.GetValue<string>()).Should().Equal("Ingress");
        }
    }

    private static JsonObject RuleFor(JsonArray ingress, int port) =>
        ingress.Select(r => r!.AsObject()).Single(r => Ports(r).Contains(port) && r["from"]!.AsArray().All(p => p!["podSelector"] is not null));

    private static List<long> Ports(JsonObject rule) => rule["ports"]!.AsArray().Select(p => p!["port"]!.GetValue<long>()).ToList();

    private static Dictionary<string, string> Selector(JsonNode? selector) =>
        selector!["matchLabels"]!.AsObject().ToDictionary(l => l.Key, l => l.Value!.GetValue<string>());

    private static string Name(JsonObject o) => o["metadata"]!["name"]!.GetValue<string>();

    private static string Namespace(JsonObject o) => o["metadata"]!["namespace"]!.GetValue<string>();
}
