using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace RagOperator.Api.Tests;

public sealed class VectorNodePoolValidationTests
{
    private static JsonObject Pool(string spec) => new()
    {
        ["apiVersion"] = "ragoperator.io/v1alpha1",
        ["kind"] = "VectorNodePool",
        ["metadata"] = new JsonObject { ["name"] = "gpu" },
        ["spec"] = JsonNode.Parse(spec),
    };

    [Fact]
    public void A_named_gpu_resource_with_a_count_of_zero_is_rejected_at_the_count()
    {
        var errors = CrdSchemas.Admit(Pool("""{"gpu":{"resourceName":"nvidia.com/gpu","count":0}}""")).Errors;

        errors.Select(e => e.ToString()).Should().Equal(
            "spec.gpu.count: Invalid value: \"object\": spec.gpu.count must be greater than 0 when spec.gpu.resourceName is set");
    }

    [Theory]
    [InlineData("""{"gpu":{"resourceName":"nvidia.com/gpu","count":2}}""")]
    [InlineData("""{"gpu":{"count":0}}""")]
    [InlineData("""{"gpu":{"resourceName":"nvidia.com/gpu"}}""")]
    [InlineData("""{"nodeSelector":{"pool":"a"},"affinity":{"nodeAffinity":{"anything":true}}}""")]
    public void Valid_pools_are_accepted(string spec)
    {
        CrdSchemas.Admit(Pool(spec)).Errors.Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"gpu":{"resourceName":"NVIDIA GPU"}}""", "spec.gpu.resourceName")]
    [InlineData("""{"gpu":{"resourceName":"nvidia.com/gpu","count":17}}""", "spec.gpu.count")]
    [InlineData("""{"tolerations":[{"key":"k","operator":"Maybe"}]}""", "spec.tolerations[0].operator")]
    [InlineData("""{"nodeSelector":{"pool":1}}""", "spec.nodeSelector.pool")]
    public void Invalid_pools_are_rejected_at_the_field(string spec, string field)
    {
        CrdSchemas.Admit(Pool(spec)).Errors.Should().Contain(e => e.Field == field);
    }

    [Fact]
    public void Affinity_keeps_unknown_fields_because_it_is_an_embedded_core_type()
    {
        var (stored, _) = CrdSchemas.Admit(Pool("""{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{}}},"bogus":1}"""));

        stored["spec"]!["affinity"]!["nodeAffinity"].Should().NotBeNull();
        stored["spec"]!.AsObject().ContainsKey("bogus").Should().BeFalse();
    }
}
