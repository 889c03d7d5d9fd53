using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class NetworkPolicyBuilderTests
{
    private static readonly NetworkPeer Monitoring = new()
    {
        NamespaceSelector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "monitoring" } },
    };

    private static readonly NetworkPeer Frontend = new()
    {
        PodSelector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "frontend" } },
    };

    /// <summary>A policy's ingress as "from → ports" lines, peers written as ns[labels]/pods[labels].</summary>
    private static string[] Rules(NetworkPolicy policy) =>
        [.. policy.Spec.Ingress!.Select(rule =>
            $"{string.Join(" + ", rule.From!.Select(Peer))} -> {string.Join(",", rule.Ports!.Select(p => $"{p.Protocol}/{p.Port}"))}")];

    private static string Peer(NetworkPolicyPeer peer) =>
        (peer.NamespaceSelector is { } ns ? $"ns[{Labels(ns)}]" : "") + (peer.PodSelector is { } pods ? $"pods[{Labels(pods)}]" : "");

    private static string Labels(LabelSelector selector) =>
        string.Join(",", (selector.MatchLabels ?? new Dictionary<string, string>()).OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}"));

    public sealed record Case(string Name, Action<VectorCollectionSpec> Configure, string? OperatorNamespace, string[] Shards, string[] Routers);

    private const string Operator = "pods[app.kubernetes.io/component=operator,app.kubernetes.io/name=rag-operator]";
    private const string Routers = "pods[app.kubernetes.io/component=router,app.kubernetes.io/instance=docs]";
    private const string AllShards = "pods[app.kubernetes.io/component=shard,app.kubernetes.io/instance=docs]";

    public static TheoryData<Case> Cases => new()
    {
        new("defaults: the routers admit their own namespace", _ => { }, "rag-system",
            [$"{Routers} + ns[kubernetes.io/metadata.name=rag-system]{Operator} -> TCP/6333,TCP/6334", $"{AllShards} -> TCP/6335"],
            [$"pods[] + ns[kubernetes.io/metadata.name=rag-system]{Operator} -> TCP/8080,TCP/6334"]),
        new("allowedFrom replaces the namespace default; metricsFrom may scrape both", spec =>
            {
                spec.Router.AllowedFrom = [Frontend];
                spec.NetworkPolicy.MetricsFrom = [Monitoring];
            }, "rag-system",
            [$"{Routers} + ns[kubernetes.io/metadata.name=rag-system]{Operator} -> TCP/6333,TCP/6334", $"{AllShards} -> TCP/6335",
             "ns[kubernetes.io/metadata.name=monitoring] -> TCP/6333"],
            [$"pods[app=frontend] + ns[kubernetes.io/metadata.name=rag-system]{Operator} -> TCP/8080,TCP/6334", "ns[kubernetes.io/metadata.name=monitoring] -> TCP/8080"]),
        new("an operator outside a known namespace is admitted by its labels in any namespace", _ => { }, null,
            [$"{Routers} + ns[]{Operator} -> TCP/6333,TCP/6334", $"{AllShards} -> TCP/6335"],
            [$"pods[] + ns[]{Operator} -> TCP/8080,TCP/6334"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_shards_admit_their_routers_the_operator_and_their_peers_and_the_routers_admit_their_clients(Case @case)
    {
        var input = Fixtures.Input(Fixtures.Collection(configure: @case.Configure)) with
        {
            Settings = new OperatorSettings { OperatorNamespace = @case.OperatorNamespace },
        };

        var policies = NetworkPolicyBuilder.Build(input);

        policies.Select(p => p.Metadata.Name).Should().Equal("docs-shards", "docs-router");
        policies.Should().AllSatisfy(p =>
        {
            p.ApiVersion.Should().Be("networking.k8s.io/v1");
            p.Metadata.Namespace.Should().Be("search");
            p.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "VectorCollection" && o.Controller == true);
            p.Spec.PolicyTypes.Should().Equal(["Ingress"], "outgoing traffic (DNS, the API server, the shards) stays open");
        });
        Labels(policies[0].Spec.PodSelector).Should().Be("app.kubernetes.io/component=shard,app.kubernetes.io/instance=docs");
        Labels(policies[1].Spec.PodSelector).Should().Be("app.kubernetes.io/component=router,app.kubernetes.io/instance=docs");
        Rules(policies[0]).Should().Equal(@case.Shards);
        Rules(policies[1]).Should().Equal(@case.Routers);
    }

    [Fact]
    public void Disabled_policies_are_not_built()
    {
        var input = Fixtures.Input(Fixtures.Collection(configure: s => s.NetworkPolicy.Enabled = false));

        NetworkPolicyBuilder.Build(input).Should().BeEmpty();
    }

    [Fact]
    public void An_empty_pod_selector_is_written_as_an_empty_object_which_selects_every_pod()
    {
        var json = Fixtures.Json(NetworkPolicyBuilder.Routers(Fixtures.Input()));

        json["spec"]!["ingress"]![0]!["from"]![0]!.ToJsonString().Should().Be("""{"podSelector":{}}""");
    }
}
