using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class WorkloadSimulatorTests
{
    private const string StatefulSets = "/apis/apps/v1/namespaces/default/statefulsets";
    private static readonly WorkloadSimulatorOptions Fast = new() { ReadyDelay = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task A_statefulset_gets_ordinal_pods_that_become_ready()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        var sts = CrudSemanticsTests.StatefulSet("shard", replicas: 3);
        sts["spec"]!["volumeClaimTemplates"] = new JsonArray(new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "data" },
            ["spec"] = new JsonObject { ["accessModes"] = new JsonArray("ReadWriteOnce"), ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } } },
        });
        await http.PostAsync(StatefulSets, sts);

        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 3, "3 ready replicas");

        var status = (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!;
        status["replicas"]!.GetValue<int>().Should().Be(3);
        status["currentReplicas"]!.GetValue<int>().Should().Be(3);
        status["updatedReplicas"]!.GetValue<int>().Should().Be(3);
        status["availableReplicas"]!.GetValue<int>().Should().Be(3);
        status["observedGeneration"]!.GetValue<long>().Should().Be(1);
        var pods = server.Store.List("pods", "default");
        pods.Select(p => Objects.Str(p["metadata"]!["name"])).Should().Equal("shard-0", "shard-1", "shard-2");
        var pod = pods[1];
        Objects.Str(pod["metadata"]!["labels"]!["app"]).Should().Be("shard");
        Objects.Str(pod["metadata"]!["labels"]!["statefulset.kubernetes.io/pod-name"]).Should().Be("shard-1");
        Objects.Str(pod["metadata"]!["ownerReferences"]![0]!["kind"]).Should().Be("StatefulSet");
        Objects.Str(pod["status"]!["podIP"]).Should().Be("127.0.0.1");
        Objects.Str(pod["spec"]!["hostname"]).Should().Be("shard-1");
        Objects.Str(pod["spec"]!["subdomain"]).Should().Be("shard");
        server.Store.List("persistentvolumeclaims", "default").Select(c => Objects.Str(c["metadata"]!["name"]))
            .Should().Equal("data-shard-0", "data-shard-1", "data-shard-2");
    }

    [Fact]
    public async Task Scaling_down_removes_the_highest_ordinals()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("shard", replicas: 3));
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 3, "3 ready replicas");

        await http.PatchAsync($"{StatefulSets}/shard", KubeHttp.MergePatch, """{"spec":{"replicas":1}}""");

        await Objects.EventuallyAsync(async () =>
        {
            var status = (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!;
            return status["replicas"]!.GetValue<int>() == 1 && status["observedGeneration"]!.GetValue<long>() == 2;
        }, "scaled to one");
        server.Store.List("pods", "default").Select(p => Objects.Str(p["metadata"]!["name"])).Should().Equal("shard-0");
    }

    [Fact]
    public async Task An_unready_pod_lowers_ready_replicas_until_it_recovers()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("shard", replicas: 2));
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 2, "2 ready replicas");

        simulator.SetPodHealth("default", "shard-1", PodHealth.Failing);
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 1, "one unready");
        var failing = server.Store.Get("pods", "default", "shard-1")!;
        simulator.SetPodHealth("default", "shard-1", PodHealth.Healthy);
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 2, "recovered");

        Objects.Str(failing["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]).Should().Be("CrashLoopBackOff");
        failing["status"]!["containerStatuses"]![0]!["restartCount"]!.GetValue<long>().Should().BePositive();
    }

    [Fact]
    public async Task A_template_change_rolls_every_pod_to_the_new_revision()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("shard", replicas: 2));
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 2, "2 ready replicas");

        await http.PatchAsync($"{StatefulSets}/shard", KubeHttp.StrategicMergePatch,
            """{"spec":{"template":{"spec":{"containers":[{"name":"qdrant","image":"qdrant/qdrant:v1.20.0"}]}}}}""");

        await Objects.EventuallyAsync(async () =>
        {
            var status = (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!;
            return status["observedGeneration"]!.GetValue<long>() == 2
                && status["updatedReplicas"]!.GetValue<int>() == 2 && status["readyReplicas"]!.GetValue<int>() == 2
                && Objects.Str(status["currentRevision"]) == Objects.Str(status["updateRevision"]);
        }, "rolled out");
        server.Store.List("pods", "default").Select(p => Objects.Str(p["spec"]!["containers"]![0]!["image"])).Should().AllBe("qdrant/qdrant:v1.20.0");
    }

    [Fact]
    public async Task Under_on_delete_a_template_change_moves_only_the_update_revision_and_replaced_pods_never_complete_the_current_one()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        var sts = CrudSemanticsTests.StatefulSet("shard", replicas: 2);
        sts["spec"]!["updateStrategy"] = new JsonObject { ["type"] = "OnDelete" };
        await http.PostAsync(StatefulSets, sts);
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 2, "2 ready replicas");
        var first = Objects.Str((await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!["currentRevision"]);

        await http.PatchAsync($"{StatefulSets}/shard", KubeHttp.StrategicMergePatch,
            """{"spec":{"template":{"spec":{"containers":[{"name":"qdrant","image":"qdrant/qdrant:v1.20.0"}]}}}}""");
        await Objects.EventuallyAsync(async () => (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!["observedGeneration"]!.GetValue<long>() == 2,
            "the controller to observe generation 2");
        var observed = (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!;
        Objects.Str(observed["updateRevision"]).Should().NotBe(first);
        Objects.Str(observed["currentRevision"]).Should().Be(first);
        observed["updatedReplicas"]!.GetValue<int>().Should().Be(0, "OnDelete replaces no pod by itself");

        // Whoever rolls the pods deletes them; the controller recreates them from the new template.
        foreach (var pod in new[] { "shard-1", "shard-0" })
        {
            await http.DeleteAsync($"/api/v1/namespaces/default/pods/{pod}");
        }

        await Objects.EventuallyAsync(async () =>
        {
            var status = (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!;
            return status["updatedReplicas"]!.GetValue<int>() == 2 && status["readyReplicas"]!.GetValue<int>() == 2;
        }, "both pods on the new revision and ready");
        var rolled = (await http.GetAsync($"{StatefulSets}/shard")).Body["status"]!;
        Objects.Str(rolled["currentRevision"]).Should().Be(first, "the controller completes a rolling update only under RollingUpdate");
        rolled["currentReplicas"]!.GetValue<int>().Should().Be(0);
        server.Store.List("pods", "default").Select(p => Objects.Str(p["spec"]!["containers"]![0]!["image"])).Should().AllBe("qdrant/qdrant:v1.20.0");
    }

    [Fact]
    public async Task A_deployment_becomes_available()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        await http.PostAsync("/apis/apps/v1/namespaces/default/deployments", PatchTests.Deployment("router", replicas: 2));

        await Objects.EventuallyAsync(async () =>
        {
            var status = (await http.GetAsync("/apis/apps/v1/namespaces/default/deployments/router")).Body["status"];
            return status?["availableReplicas"]?.GetValue<int>() == 2;
        }, "2 available router pods");

        var deployment = (await http.GetAsync("/apis/apps/v1/namespaces/default/deployments/router")).Body;
        deployment["status"]!["conditions"]!.AsArray().Should().Contain(c => Objects.Str(c!["type"]) == "Available" && Objects.Str(c["status"]) == "True");
        server.Store.List("pods", "default").Should().HaveCount(2).And.OnlyContain(p => Objects.Str(p["metadata"]!["name"]).StartsWith("router-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Services_get_endpoint_slices_of_their_pods()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("shard", replicas: 2));
        await http.PostAsync("/api/v1/namespaces/default/services", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "shard" },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "None",
                ["selector"] = new JsonObject { ["app"] = "shard" },
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 6333, ["targetPort"] = "http" }),
            },
        });

        await Objects.EventuallyAsync(async () =>
        {
            var slices = await http.GetAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dshard");
            var endpoints = slices.Body["items"]!.AsArray().SelectMany(s => s!["endpoints"]!.AsArray()).ToList();
            return endpoints.Count == 2 && endpoints.All(e => e!["conditions"]!["ready"]!.GetValue<bool>());
        }, "two ready endpoints");

        var slice = server.Store.List("endpointslices.discovery.k8s.io", "default").Single();
        slice["ports"]![0]!["port"]!.GetValue<long>().Should().Be(6333);
        slice["endpoints"]!.AsArray().Select(e => Objects.Str(e!["hostname"])).Should().Equal("shard-0", "shard-1");
    }

    [Fact]
    public async Task Pods_stay_pending_when_no_node_matches_their_selector()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        server.Seed("nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "cpu-1", ["labels"] = new JsonObject { ["pool"] = "cpu" } } });
        await using var simulator = WorkloadSimulator.Start(server, Fast);
        using var http = new KubeHttp(server);
        var sts = CrudSemanticsTests.StatefulSet("gpu", replicas: 1);
        sts["spec"]!["template"]!["spec"]!["nodeSelector"] = new JsonObject { ["pool"] = "gpu" };
        await http.PostAsync(StatefulSets, sts);

        await Objects.EventuallyAsync(
            () => Task.FromResult(server.Store.Get("pods", "default", "gpu-0")?["status"]?["conditions"]?[0]?["reason"]?.GetValue<string>() == "Unschedulable"),
            "an unschedulable pod");

        server.Seed("nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "gpu-1", ["labels"] = new JsonObject { ["pool"] = "gpu" } } });
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/gpu")) == 1, "scheduled once a node fits");
        Objects.Str(server.Store.Get("pods", "default", "gpu-0")!["spec"]!["nodeName"]).Should().Be("gpu-1");
    }

    [Fact]
    public async Task A_settled_cluster_sees_no_more_writes_and_deletion_collects_the_pods()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        await using var simulator = WorkloadSimulator.Start(server, Fast with { ResyncInterval = TimeSpan.FromMilliseconds(50) });
        using var http = new KubeHttp(server);
        await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("shard", replicas: 2));
        await Objects.EventuallyAsync(async () => ReadyReplicas(await http.GetAsync($"{StatefulSets}/shard")) == 2, "2 ready replicas");

        var settled = server.Store.ResourceVersion;
        var passes = simulator.Passes;
        await Objects.EventuallyAsync(() => Task.FromResult(simulator.Passes >= passes + 3), "three more passes");
        server.Store.ResourceVersion.Should().Be(settled, "a settled simulator writes nothing");

        await http.DeleteAsync($"{StatefulSets}/shard");
        server.Store.Count("pods").Should().Be(0);
    }

    private static int ReadyReplicas(KubeResponse sts) => sts.Body["status"]?["readyReplicas"]?.GetValue<int>() ?? 0;
}
