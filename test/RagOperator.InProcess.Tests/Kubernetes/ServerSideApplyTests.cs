using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class ServerSideApplyTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";

    private const string ConfigYaml = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          labels:
            app: demo
        data:
          mode: fast
          replicas: "3"
        """;

    [Fact]
    public async Task Apply_creates_the_object_and_records_the_manager()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var applied = await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);

        applied.Code.Should().Be(201);
        var entry = applied.Body["metadata"]!["managedFields"]!.AsArray().Single()!.AsObject();
        Objects.Str(entry["manager"]).Should().Be("operator");
        Objects.Str(entry["operation"]).Should().Be("Apply");
        Objects.Str(entry["fieldsType"]).Should().Be("FieldsV1");
        entry["fieldsV1"]!.ToJsonString().Should().Be("""{"f:data":{"f:mode":{},"f:replicas":{}},"f:metadata":{"f:labels":{"f:app":{}}}}""");
    }

    [Fact]
    public async Task Reapplying_the_same_configuration_writes_nothing()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var first = await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);
        var writes = server.WriteCount;
        var commits = server.Store.CommitsTo("configmaps");

        var second = await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);

        second.Code.Should().Be(200);
        second.ResourceVersion.Should().Be(first.ResourceVersion);
        second.Body.ToJsonString().Should().Be(first.Body.ToJsonString());
        server.WriteCount.Should().Be(writes);
        server.Store.CommitsTo("configmaps").Should().Be(commits);
    }

    [Fact]
    public async Task Reapplying_a_deployment_with_server_defaults_is_still_a_no_op()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var yaml = PatchTests.Deployment("web").ToJsonString();
        var first = await http.ApplyAsync($"{Deployments}/web", "operator", yaml);

        var second = await http.ApplyAsync($"{Deployments}/web", "operator", yaml);

        first.Body["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["protocol"]!.GetValue<string>().Should().Be("TCP");
        second.ResourceVersion.Should().Be(first.ResourceVersion);
    }

    [Fact]
    public async Task Another_manager_changing_an_owned_field_is_a_conflict_naming_field_and_owner()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);

        var conflict = await http.ApplyAsync($"{ConfigMaps}/settings", "intruder", """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings}
            data: {mode: slow}
            """);

        conflict.Code.Should().Be(409);
        Objects.Str(conflict.Body["reason"]).Should().Be("Conflict");
        Objects.Str(conflict.Body["message"]).Should().Be("Apply failed with 1 conflict: conflict with \"operator\" using v1: .data.mode");
        var cause = conflict.Body["details"]!["causes"]![0]!;
        Objects.Str(cause["reason"]).Should().Be("FieldManagerConflict");
        Objects.Str(cause["field"]).Should().Be(".data.mode");
    }

    [Fact]
    public async Task Applying_the_same_value_as_another_manager_shares_ownership_without_conflict()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);

        var shared = await http.ApplyAsync($"{ConfigMaps}/settings", "other", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"mode":"fast"}}
            """);

        shared.Code.Should().Be(200);
        shared.Body["metadata"]!["managedFields"]!.AsArray().Select(e => Objects.Str(e!["manager"])).Should().Equal("operator", "other");
    }

    [Fact]
    public async Task Force_takes_over_the_conflicting_field()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);

        var forced = await http.ApplyAsync($"{ConfigMaps}/settings", "intruder", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"mode":"slow"}}
            """, force: true);

        forced.Code.Should().Be(200);
        Objects.Str(forced.Body["data"]!["mode"]).Should().Be("slow");
        var entries = forced.Body["metadata"]!["managedFields"]!.AsArray().ToDictionary(e => Objects.Str(e!["manager"]), e => e!["fieldsV1"]!.ToJsonString());
        entries["operator"].Should().NotContain("f:mode");
        entries["intruder"].Should().Contain("f:mode");
    }

    [Fact]
    public async Task Fields_a_manager_stops_applying_are_removed_unless_someone_else_owns_them()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);
        await http.ApplyAsync($"{ConfigMaps}/settings", "other", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"replicas":"3"}}
            """);

        var reduced = await http.ApplyAsync($"{ConfigMaps}/settings", "operator", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{}}
            """);

        reduced.Body["data"]!.ToJsonString().Should().Be("""{"replicas":"3"}""");
        reduced.Body["metadata"]!["labels"].Should().BeNull();
    }

    [Fact]
    public async Task Managers_own_separate_items_of_a_keyed_list()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{Deployments}/web", "operator", PatchTests.Deployment("web").ToJsonString());

        var withSidecar = await http.ApplyAsync($"{Deployments}/web", "mesh", """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
             "spec":{"template":{"spec":{"containers":[{"name":"envoy","image":"envoy:1"}]}}}}
            """);

        withSidecar.Code.Should().Be(200);
        withSidecar.Body["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Select(c => Objects.Str(c!["name"])).Should().Equal("app", "envoy");
        var mesh = withSidecar.Body["metadata"]!["managedFields"]!.AsArray().Single(e => Objects.Str(e!["manager"]) == "mesh")!;
        mesh["fieldsV1"]!["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!.AsObject()
            .Select(p => p.Key).Should().Equal("k:{\"name\":\"envoy\"}");
    }

    [Fact]
    public async Task An_update_by_another_client_takes_ownership_of_the_fields_it_changes()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);
        await http.PatchAsync($"{ConfigMaps}/settings?fieldManager=kubectl-edit", KubeHttp.MergePatch, """{"data":{"mode":"edited"}}""");

        var conflict = await http.ApplyAsync($"{ConfigMaps}/settings", "operator", ConfigYaml);

        conflict.Code.Should().Be(409);
        Objects.Str(conflict.Body["message"]).Should().Contain("conflict with \"kubectl-edit\" using v1: .data.mode");
    }

    [Fact]
    public async Task Apply_without_a_field_manager_is_a_bad_request()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var response = await http.PatchAsync($"{ConfigMaps}/settings", KubeHttp.ApplyPatch, ConfigYaml);

        response.Code.Should().Be(400);
        Objects.Str(response.Body["message"]).Should().Contain("fieldManager is required");
    }

    [Fact]
    public async Task Apply_on_the_status_subresource_changes_only_status()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.ApplyAsync($"{Deployments}/web", "operator", PatchTests.Deployment("web").ToJsonString());

        var status = await http.ApplyAsync($"{Deployments}/web/status", "controller", """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":7},"status":{"readyReplicas":1}}
            """);

        status.Code.Should().Be(200);
        status.Body["status"]!["readyReplicas"]!.GetValue<int>().Should().Be(1);
        status.Body["spec"]!["replicas"]!.GetValue<int>().Should().Be(1);
        var entry = status.Body["metadata"]!["managedFields"]!.AsArray().Single(e => Objects.Str(e!["manager"]) == "controller")!;
        Objects.Str(entry["subresource"]).Should().Be("status");
    }
}
