using FluentAssertions;
using RagOperator.Api.V1Alpha1;
using RagOperator.Kubernetes.Models;
using RagOperator.Operator.Builders;
using Xunit;

namespace RagOperator.Operator.Tests.Builders;

public sealed class PodSecurityTests
{
    public static TheoryData<string, VectorCollection, VectorNodePool?> Inputs => new()
    {
        { "defaults", Fixtures.Collection(), null },
        { "api keys and resources", Fixtures.Collection(configure: s =>
            {
                s.Qdrant.ApiKeySecretRef = new SecretKeySelector { Name = "q", Key = "k" };
                s.Router.ApiKeySecretRef = new SecretKeySelector { Name = "r", Key = "k" };
                s.Resources = new ResourceRequirements { Requests = new Dictionary<string, string> { ["cpu"] = "1" } };
                s.Replicas = 3;
            }), null },
        { "gpu pool", Fixtures.Collection(configure: s => s.NodePoolRef = new LocalObjectReference { Name = "gpu" }), Fixtures.GpuPool() },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Every_pod_the_operator_builds_passes_the_restricted_profile(string description, VectorCollection collection, VectorNodePool? pool)
    {
        var input = Fixtures.Input(collection, pool);
        var templates = new List<(string, PodTemplateSpec)>
        {
            ("router", RouterDeploymentBuilder.Build(input).Spec.Template),
        };
        for (var shard = 0; shard < collection.Spec.Shards; shard++)
            templates.Add(($"shard {shard}", StatefulSetBuilder.Build(input, shard).Spec.Template));

        foreach (var (what, template) in templates)
            Fixtures.Restricted(template).Should().BeEmpty($"{description}: {what}");
    }

    [Fact]
    public void Qdrant_runs_as_its_image_user_and_the_router_as_its_own()
    {
        var input = Fixtures.Input();
        var shard = StatefulSetBuilder.Build(input, 0).Spec.Template.Spec;
        var router = RouterDeploymentBuilder.Build(input).Spec.Template.Spec;

        shard.SecurityContext!.RunAsUser.Should().Be(1000);
        shard.SecurityContext.FsGroup.Should().Be(1000, "the volume must be writable by Qdrant");
        shard.Containers[0].SecurityContext!.RunAsUser.Should().Be(1000);
        router.SecurityContext!.RunAsUser.Should().Be(65532);
        router.Containers[0].SecurityContext!.Capabilities!.Drop.Should().Equal("ALL");
    }
}
