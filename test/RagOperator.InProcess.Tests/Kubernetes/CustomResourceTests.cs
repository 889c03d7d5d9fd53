using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class CustomResourceTests
{
    private const string Collections = "/apis/ragoperator.io/v1alpha1/namespaces/default/vectorcollections";

    [Fact]
    public async Task The_generated_crd_serves_vector_collections_with_schema_defaults()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);

        var created = await http.PostAsync(Collections, Collection("demo", dimension: 384));

        created.Code.Should().Be(201);
        created.Body["spec"]!["shards"]!.GetValue<int>().Should().Be(1);
        Objects.Str(created.Body["spec"]!["sharding"]!["strategy"]).Should().Be("hash");
        created.Body["spec"]!["sharding"]!["slots"]!.GetValue<int>().Should().Be(16384);
        Objects.Str(created.Body["apiVersion"]).Should().Be("ragoperator.io/v1alpha1");
    }

    [Fact]
    public async Task An_out_of_range_dimension_is_422_with_the_real_server_message()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);

        var invalid = await http.PostAsync(Collections, Collection("demo", dimension: 0));

        invalid.Code.Should().Be(422);
        Objects.Str(invalid.Body["reason"]).Should().Be("Invalid");
        Objects.Str(invalid.Body["message"]).Should().Be(
            "VectorCollection.ragoperator.io \"demo\" is invalid: spec.dimension: Invalid value: 0: spec.dimension in body should be greater than or equal to 1");
        var cause = invalid.Body["details"]!["causes"]![0]!;
        Objects.Str(cause["field"]).Should().Be("spec.dimension");
        Objects.Str(cause["reason"]).Should().Be("FieldValueInvalid");
        Objects.Str(invalid.Body["details"]!["kind"]).Should().Be("VectorCollection");
        server.Store.Count("vectorcollections.ragoperator.io").Should().Be(0);
    }

    [Fact]
    public async Task Unknown_fields_are_pruned()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        var body = Collection("demo", dimension: 8);
        body["spec"]!["bogus"] = "dropped";

        var created = await http.PostAsync(Collections, body);

        created.Body["spec"]!["bogus"].Should().BeNull();
    }

    [Fact]
    public async Task Cel_rules_with_old_self_reject_a_changed_dimension_on_update()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Collections, Collection("demo", dimension: 8));

        var changed = await http.PatchAsync($"{Collections}/demo", KubeHttp.MergePatch, """{"spec":{"dimension":16}}""");
        var allowed = await http.PatchAsync($"{Collections}/demo", KubeHttp.MergePatch, """{"spec":{"shards":2}}""");

        changed.Code.Should().Be(422);
        Objects.Str(changed.Body["message"]).Should().Contain("spec.dimension: Invalid value: \"integer\": spec.dimension is immutable");
        allowed.Code.Should().Be(200);
        allowed.Generation.Should().Be(2);
    }

    [Fact]
    public async Task Status_writes_do_not_bump_generation_and_are_validated()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(Collections, Collection("demo", dimension: 8));

        var withStatus = created.Body.DeepClone().AsObject();
        withStatus["status"] = new JsonObject { ["observedGeneration"] = 1, ["phase"] = "Ready" };
        var status = await http.PutAsync($"{Collections}/demo/status", withStatus);
        var badStatus = await http.PatchAsync($"{Collections}/demo/status", KubeHttp.MergePatch, """{"status":{"observedGeneration":"one"}}""");

        status.Code.Should().Be(200);
        status.Generation.Should().Be(1);
        Objects.Str(status.Body["status"]!["phase"]).Should().Be("Ready");
        badStatus.Code.Should().Be(422);
        Objects.Str(badStatus.Body["message"]).Should().Contain("status.observedGeneration");
    }

    [Fact]
    public async Task Updates_of_custom_resources_must_carry_a_resource_version()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(Collections, Collection("demo", dimension: 8));
        var unconditional = created.Body.DeepClone().AsObject();
        unconditional["metadata"]!.AsObject().Remove("resourceVersion");

        var response = await http.PutAsync($"{Collections}/demo", unconditional);

        response.Code.Should().Be(422);
        Objects.Str(response.Body["message"]).Should().Contain("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
    }

    [Fact]
    public async Task Strategic_merge_patch_is_unsupported_for_custom_resources()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Collections, Collection("demo", dimension: 8));

        (await http.PatchAsync($"{Collections}/demo", KubeHttp.StrategicMergePatch, """{"spec":{"shards":2}}""")).Code.Should().Be(415);
    }

    [Fact]
    public async Task Server_side_apply_of_a_custom_resource_is_idempotent_and_merges_map_lists_by_key()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        const string Yaml = """
            apiVersion: ragoperator.io/v1alpha1
            kind: VectorCollection
            metadata:
              name: demo
            spec:
              dimension: 8
              distance: Cosine
              shards: 2
            """;
        var first = await http.ApplyAsync($"{Collections}/demo", "gitops", Yaml);
        var again = await http.ApplyAsync($"{Collections}/demo", "gitops", Yaml);
        await http.ApplyAsync($"{Collections}/demo/status", "operator", """
            {"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorCollection","metadata":{"name":"demo"},
             "status":{"conditions":[{"type":"Ready","status":"False","reason":"Provisioning","message":"creating shards"}]}}
            """);
        var second = await http.ApplyAsync($"{Collections}/demo/status", "health", """
            {"apiVersion":"ragoperator.io/v1alpha1","kind":"VectorCollection","metadata":{"name":"demo"},
             "status":{"conditions":[{"type":"Degraded","status":"False","reason":"Healthy","message":"all shards answer"}]}}
            """);

        first.Code.Should().Be(201);
        again.ResourceVersion.Should().Be(first.ResourceVersion);
        second.Body["status"]!["conditions"]!.AsArray().Select(c => Objects.Str(c!["type"])).Should().Equal("Ready", "Degraded");
    }

    [Fact]
    public async Task A_crd_posted_over_http_is_served_and_listed_in_discovery()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var crd = (JsonObject)YamlJson.Parse(Objects.CrdYaml("ragoperator.io_vectornodepools.yaml"))!;

        var created = await http.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        var discovery = await http.GetAsync("/apis/ragoperator.io/v1alpha1");
        var pool = await http.PostAsync("/apis/ragoperator.io/v1alpha1/vectornodepools", new JsonObject
        {
            ["apiVersion"] = "ragoperator.io/v1alpha1",
            ["kind"] = "VectorNodePool",
            ["metadata"] = new JsonObject { ["name"] = "gpu" },
            ["spec"] = new JsonObject(),
        });

        created.Code.Should().Be(201);
        created.Body["status"]!["conditions"]!.AsArray().Should().Contain(c => Objects.Str(c!["type"]) == "Established" && Objects.Str(c["status"]) == "True");
        discovery.Body["resources"]!.AsArray().Should().Contain(r => Objects.Str(r!["name"]) == "vectornodepools" && r["namespaced"]!.GetValue<bool>() == false);
        pool.Code.Should().Be(201);
    }

    [Fact]
    public async Task Deleting_the_crd_removes_its_objects_and_stops_serving_them()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(Collections, Collection("demo", dimension: 8));

        await http.DeleteAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/vectorcollections.ragoperator.io");

        server.Store.Count("vectorcollections.ragoperator.io").Should().Be(0);
        (await http.GetAsync(Collections)).Code.Should().Be(404);
    }

    [Fact]
    public async Task A_struct_an_apply_no_longer_sends_goes_with_its_fields_and_is_not_defaulted_back()
    {
        await using var server = await StartWithCrdsAsync();
        using var http = new KubeHttp(server);
        const string Base = """
            apiVersion: ragoperator.io/v1alpha1
            kind: VectorCollection
            metadata:
              name: demo
            spec:
              dimension: 8
              distance: Cosine
            """;
        var scaled = await http.ApplyAsync($"{Collections}/demo", "gitops", Base + """

              router:
                autoscaling:
                  maxReplicas: 6
                  targetCpuUtilizationPercent: 70
            """);
        scaled.Code.Should().Be(201);
        scaled.Body["spec"]!["router"]!["autoscaling"]!["minReplicas"]!.GetValue<int>().Should().Be(2, "the schema default fills it");

        var unscaled = await http.ApplyAsync($"{Collections}/demo", "gitops", Base);

        unscaled.Code.Should().Be(200, Objects.Str(unscaled.Body["message"] ?? "ok"));
        unscaled.Body["spec"]!["router"]!.AsObject().ContainsKey("autoscaling").Should().BeFalse();
        unscaled.Body["spec"]!["router"]!["replicas"]!.GetValue<int>().Should().Be(2, "a struct the schema defaults stays");
    }

    internal static async Task<InProcessKubernetesApiServer> StartWithCrdsAsync(InProcessApiServerOptions? options = null)
    {
        var server = await InProcessKubernetesApiServer.StartAsync(options);
        server.RegisterCustomResourceDefinitions(Objects.CrdYaml("ragoperator.io_vectorcollections.yaml"));
        server.RegisterCustomResourceDefinitions(Objects.CrdYaml("ragoperator.io_vectornodepools.yaml"));
        return server;
    }

    internal static JsonObject Collection(string name, int dimension) => new()
    {
        ["apiVersion"] = "ragoperator.io/v1alpha1",
        ["kind"] = "VectorCollection",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["dimension"] = dimension, ["distance"] = "Cosine" },
    };
}
