using System.Text.Json.Nodes;
using RagOperator.TestSupport.Manifests;

namespace RagOperator.Deploy.Tests;

/// <summary>The shipped autoscaling examples target what the CRD really serves and the metric the operator publishes.</summary>
public sealed class AutoscalingExampleTests
{
    [Theory]
    [InlineData("keda-scaledobject.yaml", "ScaledObject")]
    [InlineData("hpa.yaml", "HorizontalPodAutoscaler")]
    public void The_example_scales_a_vector_collection_through_its_scale_subresource_on_points_per_shard(string file, string kind)
    {
        var example = YamlDocuments.Load(Repository.Read("config", "autoscaling", file)).Single();
        var crd = YamlDocuments.Load(Repository.Read("crds", "ragoperator.io_vectorcollections.yaml")).Single();

        example["kind"]!.GetValue<string>().Should().Be(kind);
        var target = example["spec"]!["scaleTargetRef"]!;
        target["apiVersion"]!.GetValue<string>().Should().Be($"{crd["spec"]!["group"]!.GetValue<string>()}/{crd["spec"]!["versions"]![0]!["name"]!.GetValue<string>()}");
        target["kind"]!.GetValue<string>().Should().Be(crd["spec"]!["names"]!["kind"]!.GetValue<string>());
        crd["spec"]!["versions"]![0]!["subresources"]!["scale"].Should().BeOfType<JsonObject>("the target must serve /scale");
        example.ToJsonString().Should().Contain("ragoperator_collection_points").And.Contain("AverageValue");
        Repository.Read("config", "autoscaling", "README.md").Should().Contain(file);
    }
}
