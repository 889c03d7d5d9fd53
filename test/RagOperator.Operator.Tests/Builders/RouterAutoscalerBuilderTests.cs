using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Operator.Builders;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class RouterAutoscalerBuilderTests
{
    public sealed record Case(string Name, int? Cpu, int? Rps, string[] Metrics);

    public static TheoryData<Case> Cases => new()
    {
        new("CPU only", 70, null, ["Resource cpu Utilization 70"]),
        new("requests per second only", null, 200, ["Pods ragrouter_requests_per_second AverageValue 200"]),
        new("both: the autoscaler takes the larger count", 60, 150,
            ["Resource cpu Utilization 60", "Pods ragrouter_requests_per_second AverageValue 150"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_autoscaler_targets_the_router_deployment_between_min_and_max_on_the_asked_metrics(Case @case)
    {
        var input = Fixtures.Input(Fixtures.Collection(configure: s => s.Router.Autoscaling = new RouterAutoscalingSpec
        {
            MinReplicas = 3,
            MaxReplicas = 12,
            TargetCpuUtilizationPercent = @case.Cpu,
            TargetRequestsPerSecond = @case.Rps,
        }));

        var autoscaler = RouterAutoscalerBuilder.Build(input)!;

        autoscaler.Metadata.Name.Should().Be("docs-router");
        autoscaler.ApiVersion.Should().Be("autoscaling/v2");
        (autoscaler.Spec.ScaleTargetRef.ApiVersion, autoscaler.Spec.ScaleTargetRef.Kind, autoscaler.Spec.ScaleTargetRef.Name)
            .Should().Be(("apps/v1", "Deployment", "docs-router"));
        (autoscaler.Spec.MinReplicas, autoscaler.Spec.MaxReplicas).Should().Be((3, 12));
        autoscaler.Spec.Metrics!.Select(m => m.Type == "Resource"
                ? $"Resource {m.Resource!.Name} {m.Resource.Target.Type} {m.Resource.Target.AverageUtilization}"
                : $"Pods {m.Pods!.Metric.Name} {m.Pods.Target.Type} {m.Pods.Target.AverageValue}")
            .Should().Equal(@case.Metrics, @case.Name);
        autoscaler.Metadata.OwnerReferences.Should().ContainSingle(o => o.Controller == true);
    }

    [Fact]
    public void Without_autoscaling_there_is_no_autoscaler_and_the_deployment_runs_the_asked_replicas()
    {
        var input = Fixtures.Input(Fixtures.Collection(configure: s => s.Router.Replicas = 3));

        RouterAutoscalerBuilder.Build(input).Should().BeNull();
        RouterDeploymentBuilder.Build(input).Spec.Replicas.Should().Be(3);
        CollectionChildren.Router(input).Should().NotContain(c => c.Kind == "HorizontalPodAutoscaler");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(5, 4)]
    public void Under_autoscaling_the_deployment_leaves_the_count_to_the_autoscaler_and_the_budget_follows_its_minimum(int minReplicas, int minAvailable)
    {
        var input = Fixtures.Input(Fixtures.Collection(configure: s => s.Router.Autoscaling = new RouterAutoscalingSpec
        {
            MinReplicas = minReplicas,
            MaxReplicas = 10,
            TargetCpuUtilizationPercent = 70,
        }));

        RouterDeploymentBuilder.Build(input).Spec.Replicas.Should().BeNull("the autoscaler owns the count");
        var budget = PodDisruptionBudgetBuilder.ForRouter(input).Spec;
        budget.MinAvailable.Should().Be(RagOperator.Kubernetes.Models.IntOrString.FromInt32(minAvailable));
        budget.MaxUnavailable.Should().BeNull();
        CollectionChildren.Router(input)[^1].Kind.Should().Be("HorizontalPodAutoscaler");
    }
}
