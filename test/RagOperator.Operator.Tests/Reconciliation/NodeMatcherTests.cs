using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Reconciliation;
using Xunit;
using ApiToleration = RagOperator.Api.V1Alpha1.Toleration;

namespace RagOperator.Operator.Tests.Reconciliation;

public sealed class NodeMatcherTests
{
    private static Node Node(Dictionary<string, string>? labels = null, Taint[]? taints = null, bool cordoned = false) => new()
    {
        Metadata = new ObjectMeta { Name = "n", Labels = labels ?? [] },
        Spec = new NodeSpec { Taints = taints, Unschedulable = cordoned ? true : null },
    };

    private static VectorNodePool Pool(Dictionary<string, string>? selector = null, ApiToleration[]? tolerations = null, string? affinity = null) =>
        Fixtures.Pool("p", s =>
        {
            s.NodeSelector = selector;
            s.Tolerations = tolerations;
            s.Affinity = affinity is null ? null : JsonNode.Parse(affinity)!.AsObject();
        });

    private static readonly Taint GpuTaint = new() { Key = "nvidia.com/gpu", Effect = "NoSchedule" };

    public static TheoryData<string, VectorNodePool, Node, bool> Cases => new()
    {
        { "empty pool matches any node", Pool(), Node(), true },
        { "selector matches", Pool(new() { ["pool"] = "gpu" }), Node(new() { ["pool"] = "gpu", ["zone"] = "a" }), true },
        { "selector value differs", Pool(new() { ["pool"] = "gpu" }), Node(new() { ["pool"] = "cpu" }), false },
        { "selector label missing", Pool(new() { ["pool"] = "gpu" }), Node(), false },
        { "cordoned node", Pool(), Node(cordoned: true), false },
        { "untolerated taint", Pool(), Node(taints: [GpuTaint]), false },
        { "tolerated by Exists", Pool(tolerations: [new ApiToleration { Key = "nvidia.com/gpu", Operator = TolerationOperator.Exists }]), Node(taints: [GpuTaint]), true },
        { "wildcard toleration", Pool(tolerations: [new ApiToleration { Operator = TolerationOperator.Exists }]), Node(taints: [GpuTaint]), true },
        { "toleration for another effect", Pool(tolerations: [new ApiToleration { Key = "nvidia.com/gpu", Operator = TolerationOperator.Exists, Effect = TaintEffect.NoExecute }]),
            Node(taints: [GpuTaint]), false },
        { "Equal needs the value", Pool(tolerations: [new ApiToleration { Key = "dedicated", Value = "search" }]),
            Node(taints: [new Taint { Key = "dedicated", Value = "search", Effect = "NoExecute" }]), true },
        { "Equal with the wrong value", Pool(tolerations: [new ApiToleration { Key = "dedicated", Value = "other" }]),
            Node(taints: [new Taint { Key = "dedicated", Value = "search", Effect = "NoSchedule" }]), false },
        { "PreferNoSchedule does not block", Pool(), Node(taints: [new Taint { Key = "x", Effect = "PreferNoSchedule" }]), true },
        { "required affinity In", Pool(affinity: """{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]}]}]}}}"""),
            Node(new() { ["zone"] = "b" }), true },
        { "required affinity NotIn", Pool(affinity: """{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["b"]}]}]}}}"""),
            Node(new() { ["zone"] = "b" }), false },
        { "required affinity terms are ORed", Pool(affinity: """{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"gpu","operator":"Exists"}]},{"matchExpressions":[{"key":"cores","operator":"Gt","values":["8"]}]}]}}}"""),
            Node(new() { ["cores"] = "16" }), true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Nodes_match_a_pool_as_the_scheduler_would(string description, VectorNodePool pool, Node node, bool matches) =>
        NodeMatcher.Matches(pool, node).Should().Be(matches, description);

    [Fact]
    public void The_pool_status_lists_nodes_collections_and_readiness()
    {
        var pool = Fixtures.Pool();
        var status = new VectorNodePoolStatus();
        var time = new ManualTime(DateTimeOffset.UnixEpoch);

        VectorNodePoolReconciler.Apply(pool, status, ["a", "b"], ["search/docs"], time);
        status.MatchingNodes.Should().Be(2);
        status.Nodes.Should().Equal("a", "b");
        status.Collections.Should().Equal("search/docs");
        status.Conditions.Should().ContainSingle(c => c.Type == "Ready" && c.Status == "True");

        VectorNodePoolReconciler.Apply(pool, status, [], [], time);
        status.Conditions.Should().ContainSingle(c => c.Type == "Ready" && c.Status == "False" && c.Reason == "NoMatchingNodes");
    }
}
