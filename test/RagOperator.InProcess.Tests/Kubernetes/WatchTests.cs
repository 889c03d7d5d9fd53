using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class WatchTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task A_watch_from_a_resource_version_replays_every_later_event_in_order_then_streams_live()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var start = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"data":{"k":"2"}}""");
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));
        await http.DeleteAsync($"{ConfigMaps}/a");

        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={start.ResourceVersion}");
        var replayed = new List<JsonObject>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add(await watch.NextEventAsync());
        }

        await http.PostAsync(ConfigMaps, Objects.ConfigMap("c"));
        var live = await watch.NextEventAsync();

        replayed.Select(Describe).Should().Equal("MODIFIED a", "ADDED b", "DELETED a");
        Describe(live).Should().Be("ADDED c");
        var versions = replayed.Append(live).Select(e => long.Parse(Objects.Str(e["object"]!["metadata"]!["resourceVersion"]), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        versions.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        versions[0].Should().Be(long.Parse(start.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) + 1);
    }

    [Fact]
    public async Task A_watch_without_a_resource_version_starts_with_the_current_state()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));

        using var watch = await http.WatchAsync(ConfigMaps);
        var first = await watch.NextEventAsync();
        var second = await watch.NextEventAsync();
        await http.PatchAsync($"{ConfigMaps}/b", KubeHttp.MergePatch, """{"data":{"k":"2"}}""");
        var third = await watch.NextEventAsync();

        new[] { first, second, third }.Select(Describe).Should().Equal("ADDED a", "ADDED b", "MODIFIED b");
        Objects.Str(first["object"]!["kind"]).Should().Be("ConfigMap");
    }

    [Fact]
    public async Task Bookmarks_carry_the_latest_resource_version_when_asked_for()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}&allowWatchBookmarks=true");
        await http.PostAsync("/api/v1/namespaces/default/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "unrelated" } });

        JsonObject? bookmark = null;
        for (var i = 0; i < 50 && bookmark is null; i++)
        {
            var next = await watch.NextAsync();
            if (next is not null && Objects.Str(next["type"]) == "BOOKMARK"
                && Objects.Str(next["object"]!["metadata"]!["resourceVersion"]) == server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                bookmark = next;
            }
        }

        bookmark.Should().NotBeNull("a quiet watch gets bookmarks that move past changes it does not see");
        Objects.Str(bookmark!["object"]!["kind"]).Should().Be("ConfigMap");
    }

    [Fact]
    public async Task No_bookmarks_are_sent_unless_asked_for()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(50) });
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}&timeoutSeconds=1");

        var next = await watch.NextAsync(TimeSpan.FromSeconds(5));

        next.Should().BeNull("the stream ends at timeoutSeconds without sending anything");
    }

    [Fact]
    public async Task A_watch_from_before_the_compaction_gets_an_error_event_with_410_Expired()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var old = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));
        server.Compact();

        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={old.ResourceVersion}");
        var error = await watch.NextAsync();

        watch.Status.Should().Be(System.Net.HttpStatusCode.OK);
        Objects.Str(error!["type"]).Should().Be("ERROR");
        error["object"]!["code"]!.GetValue<int>().Should().Be(410);
        Objects.Str(error["object"]!["reason"]).Should().Be("Expired");
        Objects.Str(error["object"]!["message"]).Should().StartWith("too old resource version:");
        (await watch.NextAsync()).Should().BeNull();
    }

    [Fact]
    public async Task A_watch_from_the_latest_version_after_compaction_is_fine()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var latest = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        server.Compact();

        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={latest.ResourceVersion}");
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));

        Describe(await watch.NextEventAsync()).Should().Be("ADDED b");
    }

    [Fact]
    public async Task Objects_entering_and_leaving_a_label_selector_arrive_as_added_and_deleted()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}&labelSelector=role%3Dprimary");

        await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"metadata":{"labels":{"role":"primary"}}}""");
        await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"data":{"k":"2"}}""");
        var leaving = await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"metadata":{"labels":{"role":"replica"}}}""");

        var events = new[] { await watch.NextEventAsync(), await watch.NextEventAsync(), await watch.NextEventAsync() };
        events.Select(Describe).Should().Equal("ADDED a", "MODIFIED a", "DELETED a");
        Objects.Str(events[2]["object"]!["metadata"]!["resourceVersion"]).Should().Be(leaving.ResourceVersion);
        Objects.Str(events[2]["object"]!["metadata"]!["labels"]!["role"]).Should().Be("primary", "a DELETED event for a selector carries the last matching state");
    }

    [Fact]
    public async Task A_watch_on_one_name_sees_only_that_object()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}&fieldSelector=metadata.name%3Db");

        await http.PostAsync(ConfigMaps, Objects.ConfigMap("c"));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));

        Describe(await watch.NextEventAsync()).Should().Be("ADDED b");
    }

    [Fact]
    public async Task Watches_of_a_namespace_do_not_see_other_namespaces()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={server.Store.ResourceVersion}");

        await http.PostAsync("/api/v1/namespaces/other/configmaps", Objects.ConfigMap("x", ns: "other"));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("y"));

        Describe(await watch.NextEventAsync()).Should().Be("ADDED y");
    }

    [Fact]
    public async Task Send_initial_events_ends_the_initial_state_with_an_annotated_bookmark()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        using var watch = await http.WatchAsync($"{ConfigMaps}?sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
        var added = await watch.NextAsync();
        var end = await watch.NextAsync();

        Describe(added!).Should().Be("ADDED a");
        Objects.Str(end!["type"]).Should().Be("BOOKMARK");
        Objects.Str(end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]).Should().Be("true");
    }

    internal static string Describe(JsonObject watchEvent) =>
        $"{Objects.Str(watchEvent["type"])} {Objects.Str(watchEvent["object"]!["metadata"]!["name"])}";
}
