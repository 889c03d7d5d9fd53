using System.Text.Json.Nodes;
using FluentAssertions;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

/// <summary>The /scale subresource the VectorCollection CRD declares, as kubectl scale, an HPA or KEDA use it.</summary>
public sealed class ScaleSubresourceTests
{
    private const string Collections = "/apis/ragoperator.io/v1alpha1/namespaces/default/vectorcollections";
    private const string Scale = Collections + "/demo/scale";

    [Fact]
    public async Task Get_shows_spec_shards_as_desired_and_the_status_count_and_selector_as_current()
    {
        await using var server = await CustomResourceTests.StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(Collections, CustomResourceTests.Collection("demo", dimension: 8));
        var status = await http.PatchAsync($"{Collections}/demo/status", KubeHttp.MergePatch,
            """{"status":{"currentShards":1,"selector":"app.kubernetes.io/instance=demo,app.kubernetes.io/component=shard"}}""");
        status.Code.Should().Be(200);

        var scale = await http.GetAsync(Scale);

        scale.Code.Should().Be(200);
        Objects.Str(scale.Body["apiVersion"]).Should().Be("autoscaling/v1");
        Objects.Str(scale.Body["kind"]).Should().Be("Scale");
        Objects.Str(scale.Body["metadata"]!["uid"]).Should().Be(Objects.Str(created.Body["metadata"]!["uid"]));
        scale.ResourceVersion.Should().Be(status.ResourceVersion);
        scale.Body["spec"]!["replicas"]!.GetValue<long>().Should().Be(1);
        scale.Body["status"]!["replicas"]!.GetValue<long>().Should().Be(1);
        Objects.Str(scale.Body["status"]!["selector"]).Should().Be("app.kubernetes.io/instance=demo,app.kubernetes.io/component=shard");
    }

    [Fact]
    public async Task A_merge_patch_of_the_scale_changes_spec_shards_and_bumps_the_generation()
    {
        await using var server = await CustomResourceTests.StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Collections, CustomResourceTests.Collection("demo", dimension: 8));

        var patched = await http.PatchAsync(Scale, KubeHttp.MergePatch, """{"spec":{"replicas":4}}""");

        patched.Code.Should().Be(200);
        patched.Body["spec"]!["replicas"]!.GetValue<long>().Should().Be(4);
        var collection = (await http.GetAsync($"{Collections}/demo")).Body;
        collection["spec"]!["shards"]!.GetValue<int>().Should().Be(4);
        collection["metadata"]!["generation"]!.GetValue<long>().Should().Be(2);
    }

    [Fact]
    public async Task A_put_with_a_stale_resource_version_is_a_conflict_and_changes_nothing()
    {
        await using var server = await CustomResourceTests.StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Collections, CustomResourceTests.Collection("demo", dimension: 8));
        var scale = (await http.GetAsync(Scale)).Body;
        await http.PatchAsync($"{Collections}/demo", KubeHttp.MergePatch, """{"metadata":{"labels":{"team":"a"}}}""");
        scale["spec"]!["replicas"] = 3;

        var stale = await http.PutAsync(Scale, scale);

        stale.Code.Should().Be(409);
        (await http.GetAsync($"{Collections}/demo")).Body["spec"]!["shards"]!.GetValue<int>().Should().Be(1);
    }

    [Theory]
    [InlineData("""{"spec":{"replicas":-1}}""", "spec.replicas")]
    [InlineData("""{"spec":{"replicas":0}}""", "spec.shards")]
    public async Task A_scale_the_collection_cannot_take_is_invalid_and_says_which_field(string patch, string field)
    {
        await using var server = await CustomResourceTests.StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Collections, CustomResourceTests.Collection("demo", dimension: 8));

        var invalid = await http.PatchAsync(Scale, KubeHttp.MergePatch, patch);

        invalid.Code.Should().Be(422);
        Objects.Str(invalid.Body["message"]).Should().Contain(field);
        (await http.GetAsync($"{Collections}/demo")).Body["spec"]!["shards"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task Discovery_lists_the_scale_subresource_as_autoscaling_v1_scale()
    {
        await using var server = await CustomResourceTests.StartWithCrdsAsync();
        using var http = new KubeHttp(server);

        var resources = (await http.GetAsync("/apis/ragoperator.io/v1alpha1")).Body["resources"]!.AsArray();

        var scale = resources.Single(r => Objects.Str(r!["name"]) == "vectorcollections/scale")!;
        Objects.Str(scale["group"]).Should().Be("autoscaling");
        Objects.Str(scale["version"]).Should().Be("v1");
        Objects.Str(scale["kind"]).Should().Be("Scale");
        resources.Should().NotContain(r => Objects.Str(r!["name"]) == "vectornodepools/scale");
    }
}
