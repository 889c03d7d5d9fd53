using FluentAssertions;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class ServiceAndBudgetBuilderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void The_headless_service_publishes_unready_peers_for_raft(int shard)
    {
        var service = HeadlessServiceBuilder.Build(Fixtures.Input(), shard);

        service.Metadata.Name.Should().Be($"docs-shard-{shard}-headless");
        service.Spec.ClusterIP.Should().Be("None");
        service.Spec.PublishNotReadyAddresses.Should().BeTrue();
        service.Spec.Selector.Should().Equal(StatefulSetBuilder.Build(Fixtures.Input(), shard).Spec.Selector.MatchLabels);
        service.Spec.Ports!.Select(p => p.Port).Should().Equal(6333, 6334, 6335);
    }

    [Fact]
    public void The_client_service_serves_rest_and_grpc_of_ready_pods_only()
    {
        var service = ShardServiceBuilder.Build(Fixtures.Input(), 1);

        service.Metadata.Name.Should().Be("docs-shard-1");
        service.Spec.ClusterIP.Should().BeNull();
        service.Spec.PublishNotReadyAddresses.Should().BeNull();
        service.Spec.Ports!.Select(p => (p.Name, p.Port)).Should().Equal(("http", 6333), ("grpc", 6334));
        service.Spec.Selector!["ragoperator.io/shard"].Should().Be("1");
    }

    public static TheoryData<string, PodDisruptionBudget, string, string> Budgets => new()
    {
        { "shard 3", PodDisruptionBudgetBuilder.ForShard(Fixtures.Input(), 3), "docs-shard-3", "shard" },
        { "router", PodDisruptionBudgetBuilder.ForRouter(Fixtures.Input()), "docs-router", "router" },
    };

    [Theory]
    [MemberData(nameof(Budgets))]
    public void Budgets_allow_one_pod_down_at_a_time(string description, PodDisruptionBudget budget, string name, string component)
    {
        budget.Metadata.Name.Should().Be(name, description);
        budget.Spec.MaxUnavailable.Should().Be((IntOrString)1);
        budget.Spec.MinAvailable.Should().BeNull();
        budget.Spec.Selector!.MatchLabels!["app.kubernetes.io/component"].Should().Be(component);
        budget.Metadata.OwnerReferences.Should().ContainSingle(o => o.Controller == true);
    }
}
