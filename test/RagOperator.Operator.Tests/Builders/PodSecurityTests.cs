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
}
