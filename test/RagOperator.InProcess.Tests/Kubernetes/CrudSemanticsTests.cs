using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class CrudSemanticsTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string StatefulSets = "/apis/apps/v1/namespaces/default/statefulsets";

    [Fact]
    public async Task Create_fills_uid_creation_timestamp_resource_version_and_generation()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        created.Code.Should().Be(201);
        var metadata = created.Body["metadata"]!.AsObject();
        Guid.TryParse(Objects.Str(metadata["uid"]), out _).Should().BeTrue();
        Objects.Str(metadata["creationTimestamp"]).Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$");
        long.Parse(created.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
        created.Generation.Should().Be(1);
        created.Body["kind"]!.GetValue<string>().Should().Be("ConfigMap");
    }

    [Fact]
    public async Task Resource_versions_come_from_one_increasing_counter_across_resources()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var first = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        var second = await http.PostAsync("/api/v1/namespaces/default/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "s" } });
        var third = await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));

        var versions = new[] { first, second, third }.Select(r => long.Parse(r.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        versions.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        versions[^1].Should().Be(server.Store.ResourceVersion);
    }

    [Fact]
    public async Task Creating_an_existing_name_is_409_AlreadyExists_with_a_status_body()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        var again = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        again.Code.Should().Be(409);
        again.Body["kind"]!.GetValue<string>().Should().Be("Status");
        again.Body["status"]!.GetValue<string>().Should().Be("Failure");
        again.Body["reason"]!.GetValue<string>().Should().Be("AlreadyExists");
        again.Body["message"]!.GetValue<string>().Should().Be("configmaps \"a\" already exists");
        again.Body["details"]!["name"]!.GetValue<string>().Should().Be("a");
        again.Body["code"]!.GetValue<int>().Should().Be(409);
    }

    [Fact]
    public async Task Getting_a_missing_object_is_404_NotFound_named_like_the_real_server()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var missing = await http.GetAsync($"{StatefulSets}/nope");

        missing.Code.Should().Be(404);
        missing.Body["reason"]!.GetValue<string>().Should().Be("NotFound");
        missing.Body["message"]!.GetValue<string>().Should().Be("statefulsets.apps \"nope\" not found");
        missing.Body["details"]!["group"]!.GetValue<string>().Should().Be("apps");
        missing.Body["details"]!["kind"]!.GetValue<string>().Should().Be("statefulsets");
    }

    [Fact]
    public async Task Generate_name_appends_five_random_characters()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var created = await http.PostAsync(ConfigMaps, new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "job-" } });

        Objects.Str(created.Body["metadata"]!["name"]).Should().MatchRegex("^job-[bcdfghjklmnpqrstvwxz2456789]{5}$");
    }

    [Fact]
    public async Task An_update_with_a_stale_resource_version_is_409_Conflict_and_changes_nothing()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        var first = created.Body.DeepClone().AsObject();
        first["data"]!["k"] = "first";
        (await http.PutAsync($"{ConfigMaps}/a", first)).Code.Should().Be(200);

        var stale = created.Body.DeepClone().AsObject();
        stale["data"]!["k"] = "stale";
        var conflict = await http.PutAsync($"{ConfigMaps}/a", stale);

        conflict.Code.Should().Be(409);
        conflict.Body["reason"]!.GetValue<string>().Should().Be("Conflict");
        conflict.Body["message"]!.GetValue<string>().Should().Be(
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again");
        (await http.GetAsync($"{ConfigMaps}/a")).Body["data"]!["k"]!.GetValue<string>().Should().Be("first");
    }

    [Fact]
    public async Task Generation_moves_on_spec_changes_but_not_on_label_changes()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(StatefulSets, StatefulSet("db", replicas: 1));
        created.Generation.Should().Be(1);

        var relabelled = created.Body.DeepClone().AsObject();
        relabelled["metadata"]!["labels"] = new JsonObject { ["team"] = "search" };
        var afterLabels = await http.PutAsync($"{StatefulSets}/db", relabelled);

        var scaled = afterLabels.Body.DeepClone().AsObject();
        scaled["spec"]!["replicas"] = 3;
        var afterScale = await http.PutAsync($"{StatefulSets}/db", scaled);

        afterLabels.Generation.Should().Be(1);
        afterLabels.ResourceVersion.Should().NotBe(created.ResourceVersion);
        afterScale.Generation.Should().Be(2);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_keeps_the_resource_version_and_is_not_a_write()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        var writes = server.WriteCount;

        var same = await http.PutAsync($"{ConfigMaps}/a", created.Body);

        same.Code.Should().Be(200);
        same.ResourceVersion.Should().Be(created.ResourceVersion);
        server.WriteCount.Should().Be(writes);
        server.MutatingRequestCount.Should().Be(writes + 1);
    }

    [Fact]
    public async Task The_main_resource_ignores_status_and_the_status_subresource_ignores_spec()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(StatefulSets, StatefulSet("db", replicas: 1));

        var withStatus = created.Body.DeepClone().AsObject();
        withStatus["status"] = new JsonObject { ["replicas"] = 5 };
        var mainPut = await http.PutAsync($"{StatefulSets}/db", withStatus);

        var statusAndSpec = mainPut.Body.DeepClone().AsObject();
        statusAndSpec["status"] = new JsonObject { ["replicas"] = 1, ["readyReplicas"] = 1 };
        statusAndSpec["spec"]!["replicas"] = 9;
        var statusPut = await http.PutAsync($"{StatefulSets}/db/status", statusAndSpec);

        mainPut.Body["status"].Should().BeNull();
        statusPut.Code.Should().Be(200);
        statusPut.Body["status"]!["readyReplicas"]!.GetValue<int>().Should().Be(1);
        statusPut.Body["spec"]!["replicas"]!.GetValue<int>().Should().Be(1);
        statusPut.Generation.Should().Be(1);
    }

    [Fact]
    public async Task Status_is_dropped_on_create_for_kinds_with_a_status_subresource()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var body = StatefulSet("db", replicas: 1);
        body["status"] = new JsonObject { ["readyReplicas"] = 1 };

        var created = await http.PostAsync(StatefulSets, body);

        created.Body["status"].Should().BeNull();
    }

    [Fact]
    public async Task A_status_path_on_a_kind_without_a_status_subresource_is_404()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        (await http.PutAsync($"{ConfigMaps}/a/status", created.Body)).Code.Should().Be(404);
    }

    [Fact]
    public async Task Invalid_names_are_rejected_with_the_real_message()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var invalid = await http.PostAsync(ConfigMaps, Objects.ConfigMap("Bad_Name"));

        invalid.Code.Should().Be(422);
        Objects.Str(invalid.Body["message"]).Should().StartWith(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of");
        Objects.Str(invalid.Body["details"]!["causes"]![0]!["field"]).Should().Be("metadata.name");
    }

    [Fact]
    public async Task A_body_for_another_namespace_is_a_bad_request()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var response = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a", ns: "other"));

        response.Code.Should().Be(400);
        Objects.Str(response.Body["message"]).Should().Be("the namespace of the provided object does not match the namespace sent on the request");
    }

    [Fact]
    public async Task Services_get_a_cluster_ip_and_defaulted_ports()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var service = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["app"] = "web" }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) },
        };

        var created = await http.PostAsync("/api/v1/namespaces/default/services", service);

        Objects.Str(created.Body["spec"]!["clusterIP"]).Should().StartWith("10.96.");
        Objects.Str(created.Body["spec"]!["ports"]![0]!["protocol"]).Should().Be("TCP");
        created.Body["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>().Should().Be(80);
    }

    [Fact]
    public async Task Discovery_lists_core_and_group_resources()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var core = await http.GetAsync("/api/v1");
        var apps = await http.GetAsync("/apis/apps/v1");
        var groups = await http.GetAsync("/apis");

        core.Body["resources"]!.AsArray().Select(r => Objects.Str(r!["name"])).Should().Contain(["pods", "pods/status", "configmaps"]);
        apps.Body["resources"]!.AsArray().Should().Contain(r => Objects.Str(r!["name"]) == "statefulsets" && Objects.Str(r["kind"]) == "StatefulSet");
        groups.Body["groups"]!.AsArray().Select(g => Objects.Str(g!["name"])).Should().Contain(["apps", "coordination.k8s.io", "policy"]);
    }

    [Fact]
    public async Task A_bearer_token_is_required_when_configured()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions { AcceptsBearerToken = token => token == "s3cret" });
        using var http = new KubeHttp(server);

        var anonymous = await http.GetAsync(ConfigMaps);
        http.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        var authenticated = await http.GetAsync(ConfigMaps);

        anonymous.Code.Should().Be(401);
        authenticated.Code.Should().Be(200);
    }

    internal static JsonObject StatefulSet(string name, int replicas, string ns = "default", string image = "qdrant/qdrant:v1.19.0") => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "StatefulSet",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["serviceName"] = name,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "qdrant",
                        ["image"] = image,
                        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 6333 }),
                    }),
                },
            },
        },
    };
}
