using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class DeletionTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string StatefulSets = "/apis/apps/v1/namespaces/default/statefulsets";

    [Fact]
    public async Task A_finalizer_keeps_the_object_with_a_deletion_timestamp_until_it_is_removed()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var cm = Objects.ConfigMap("a");
        cm["metadata"]!["finalizers"] = new JsonArray("ragoperator.io/cleanup");
        var created = await http.PostAsync(ConfigMaps, cm);
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}");

        var deleting = await http.DeleteAsync($"{ConfigMaps}/a");
        var stillThere = await http.GetAsync($"{ConfigMaps}/a");
        var released = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"metadata":{"finalizers":null}}""");
        var gone = await http.GetAsync($"{ConfigMaps}/a");

        deleting.Code.Should().Be(202);
        stillThere.Code.Should().Be(200);
        stillThere.Body["metadata"]!["deletionTimestamp"].Should().NotBeNull();
        released.Code.Should().Be(200);
        gone.Code.Should().Be(404);
        WatchTests.Describe(await watch.NextEventAsync()).Should().Be("MODIFIED a");
        WatchTests.Describe(await watch.NextEventAsync()).Should().Be("DELETED a");
    }

    [Fact]
    public async Task No_finalizer_can_be_added_to_an_object_being_deleted()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var cm = Objects.ConfigMap("a");
        cm["metadata"]!["finalizers"] = new JsonArray("x.io/one");
        await http.PostAsync(ConfigMaps, cm);
        await http.DeleteAsync($"{ConfigMaps}/a");

        var added = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"metadata":{"finalizers":["x.io/one","x.io/two"]}}""");

        added.Code.Should().Be(422);
        Objects.Str(added.Body["message"]).Should().Contain("metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted");
    }

    [Fact]
    public async Task Delete_preconditions_on_uid_and_resource_version_are_checked()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        var wrongUid = await http.DeleteAsync($"{ConfigMaps}/a", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = "00000000-0000-0000-0000-000000000000" } });
        var wrongVersion = await http.DeleteAsync($"{ConfigMaps}/a", new JsonObject { ["preconditions"] = new JsonObject { ["resourceVersion"] = "1" } });
        var right = await http.DeleteAsync($"{ConfigMaps}/a", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = created.Body["metadata"]!["uid"]!.DeepClone(), ["resourceVersion"] = created.ResourceVersion } });

        wrongUid.Code.Should().Be(409);
        Objects.Str(wrongUid.Body["message"]).Should().Contain("Precondition failed: UID in precondition");
        wrongVersion.Code.Should().Be(409);
        right.Code.Should().Be(200);
    }

    [Fact]
    public async Task Background_deletion_collects_dependents_and_their_dependents()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var owner = (await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("db", 1))).Body;
        var child = (await http.PostAsync(ConfigMaps, Owned(Objects.ConfigMap("child"), owner, "apps/v1", "StatefulSet"))).Body;
        await http.PostAsync(ConfigMaps, Owned(Objects.ConfigMap("grandchild"), child, "v1", "ConfigMap"));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("unrelated"));

        (await http.DeleteAsync($"{StatefulSets}/db")).Code.Should().Be(200);

        server.Store.List("configmaps", "default").Select(o => Objects.Str(o["metadata"]!["name"])).Should().Equal("unrelated");
    }

    [Fact]
    public async Task A_dependent_with_another_living_owner_survives_and_loses_the_dangling_reference()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var first = (await http.PostAsync(ConfigMaps, Objects.ConfigMap("first"))).Body;
        var second = (await http.PostAsync(ConfigMaps, Objects.ConfigMap("second"))).Body;
        var shared = Objects.ConfigMap("shared");
        shared["metadata"]!["ownerReferences"] = new JsonArray(Objects.OwnerRef(first, "v1", "ConfigMap"), Objects.OwnerRef(second, "v1", "ConfigMap"));
        await http.PostAsync(ConfigMaps, shared);

        await http.DeleteAsync($"{ConfigMaps}/first");

        var survivor = await http.GetAsync($"{ConfigMaps}/shared");
        survivor.Code.Should().Be(200);
        survivor.Body["metadata"]!["ownerReferences"]!.AsArray().Select(r => Objects.Str(r!["name"])).Should().Equal("second");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_strips_their_owner_reference()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var owner = (await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("db", 1))).Body;
        await http.PostAsync(ConfigMaps, Owned(Objects.ConfigMap("child"), owner, "apps/v1", "StatefulSet"));

        var deleted = await http.DeleteAsync($"{StatefulSets}/db?propagationPolicy=Orphan");

        deleted.Code.Should().Be(200);
        (await http.GetAsync($"{StatefulSets}/db")).Code.Should().Be(404);
        var child = await http.GetAsync($"{ConfigMaps}/child");
        child.Code.Should().Be(200);
        child.Body["metadata"]!["ownerReferences"].Should().BeNull();
    }

    [Fact]
    public async Task Foreground_deletion_waits_for_blocking_dependents()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var owner = (await http.PostAsync(StatefulSets, CrudSemanticsTests.StatefulSet("db", 1))).Body;
        var child = Owned(Objects.ConfigMap("child"), owner, "apps/v1", "StatefulSet", block: true);
        child["metadata"]!["finalizers"] = new JsonArray("x.io/slow");
        await http.PostAsync(ConfigMaps, child);

        var deleting = await http.DeleteAsync($"{StatefulSets}/db", new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = "Foreground" });
        var ownerWhileWaiting = await http.GetAsync($"{StatefulSets}/db");
        var childWhileWaiting = await http.GetAsync($"{ConfigMaps}/child");
        await http.PatchAsync($"{ConfigMaps}/child", KubeHttp.MergePatch, """{"metadata":{"finalizers":null}}""");

        deleting.Code.Should().Be(202);
        ownerWhileWaiting.Body["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).Should().Equal("foregroundDeletion");
        childWhileWaiting.Body["metadata"]!["deletionTimestamp"].Should().NotBeNull();
        (await http.GetAsync($"{ConfigMaps}/child")).Code.Should().Be(404);
        (await http.GetAsync($"{StatefulSets}/db")).Code.Should().Be(404);
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_content_and_then_the_namespace()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team" } });
        await http.PostAsync("/api/v1/namespaces/team/configmaps", Objects.ConfigMap("a", ns: "team"));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));

        await http.DeleteAsync("/api/v1/namespaces/team");

        (await http.GetAsync("/api/v1/namespaces/team")).Code.Should().Be(404);
        server.Store.Count("configmaps").Should().Be(1);
    }

    [Fact]
    public async Task Delete_collection_removes_the_selected_objects()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a", labels: new() { ["gen"] = "old" }));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b", labels: new() { ["gen"] = "new" }));

        var deleted = await http.DeleteAsync($"{ConfigMaps}?labelSelector=gen%3Dold");

        deleted.Body["items"]!.AsArray().Should().ContainSingle();
        server.Store.List("configmaps", "default").Select(o => Objects.Str(o["metadata"]!["name"])).Should().Equal("b");
    }

    private static JsonObject Owned(JsonObject obj, JsonObject owner, string apiVersion, string kind, bool block = false)
    {
        obj["metadata"]!["ownerReferences"] = new JsonArray(Objects.OwnerRef(owner, apiVersion, kind, block));
        return obj;
    }
}
