using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class PatchTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";

    [Fact]
    public async Task Merge_patch_sets_fields_deletes_with_null_and_replaces_lists()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var cm = Objects.ConfigMap("a", data: new Dictionary<string, string> { ["keep"] = "1", ["drop"] = "2" });
        cm["metadata"]!["finalizers"] = new JsonArray("x.io/a", "x.io/b");
        var created = await http.PostAsync(ConfigMaps, cm);

        var patched = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch,
            """{"data":{"drop":null,"new":"3"},"metadata":{"finalizers":["x.io/c"]}}""");

        patched.Code.Should().Be(200);
        patched.Body["data"]!.ToJsonString().Should().Be("""{"keep":"1","new":"3"}""");
        patched.Body["metadata"]!["finalizers"]!.ToJsonString().Should().Be("""["x.io/c"]""");
        patched.ResourceVersion.Should().NotBe(created.ResourceVersion);
    }

    [Fact]
    public async Task A_patch_carrying_a_stale_resource_version_is_a_conflict()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"data":{"k":"2"}}""");

        var stale = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch,
            $$$"""{"metadata":{"resourceVersion":"{{{created.ResourceVersion}}}"},"data":{"k":"3"}}""");

        stale.Code.Should().Be(409);
    }

    [Fact]
    public async Task Json_patch_applies_operations_in_order()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a", data: new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }));

        var patched = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.JsonPatchType, """
            [{"op":"test","path":"/data/a","value":"1"},
             {"op":"replace","path":"/data/a","value":"10"},
             {"op":"remove","path":"/data/b"},
             {"op":"add","path":"/data/c~1d","value":"x"},
             {"op":"copy","from":"/data/a","path":"/data/e"}]
            """);

        patched.Code.Should().Be(200);
        patched.Body["data"]!.ToJsonString().Should().Be("""{"a":"10","c/d":"x","e":"10"}""");
    }

    [Fact]
    public async Task A_failing_json_patch_test_is_422_and_writes_nothing()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        var failed = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.JsonPatchType,
            """[{"op":"replace","path":"/data/k","value":"changed"},{"op":"test","path":"/data/k","value":"nope"}]""");

        failed.Code.Should().Be(422);
        var current = await http.GetAsync($"{ConfigMaps}/a");
        current.ResourceVersion.Should().Be(created.ResourceVersion);
        current.Body["data"]!["k"]!.GetValue<string>().Should().Be("v");
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Deployments, Deployment("web"));

        var patched = await http.PatchAsync($"{Deployments}/web", KubeHttp.StrategicMergePatch,
            """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:1"},{"name":"app","image":"app:2"}]}}}}""");

        var containers = patched.Body["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Select(c => Objects.Str(c!["name"])).Should().Equal("app", "sidecar");
        Objects.Str(containers[0]!["image"]).Should().Be("app:2");
        containers[0]!["ports"]!.AsArray().Should().HaveCount(1, "fields of a merged item that the patch does not mention stay");
        patched.Generation.Should().Be(2);
    }

    [Fact]
    public async Task Strategic_merge_patch_deletes_list_items_with_the_patch_directive()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var deployment = Deployment("web");
        deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Add(new JsonObject { ["name"] = "sidecar", ["image"] = "envoy:1" });
        await http.PostAsync(Deployments, deployment);

        var patched = await http.PatchAsync($"{Deployments}/web", KubeHttp.StrategicMergePatch,
            """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}""");

        patched.Body["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => Objects.Str(c!["name"])).Should().Equal("app");
    }

    [Fact]
    public async Task Patching_a_missing_object_is_404_and_an_unknown_patch_type_is_415()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        (await http.PatchAsync($"{ConfigMaps}/missing", KubeHttp.MergePatch, "{}")).Code.Should().Be(404);
        (await http.PatchAsync($"{ConfigMaps}/a", "text/plain", "{}")).Code.Should().Be(415);
    }

    internal static JsonObject Deployment(string name, int replicas = 1, string image = "app:1") => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "app",
                        ["image"] = image,
                        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 }),
                    }),
                },
            },
        },
    };
}
