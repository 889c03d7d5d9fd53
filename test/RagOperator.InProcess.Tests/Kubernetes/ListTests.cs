using System.Text.Json.Nodes;
using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class ListTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Theory]
    [InlineData("tier=db", new[] { "a", "b" })]
    [InlineData("tier==db", new[] { "a", "b" })]
    [InlineData("tier!=db", new[] { "c", "d" })]
    [InlineData("tier in (db,cache)", new[] { "a", "b", "c" })]
    [InlineData("tier notin (db)", new[] { "c", "d" })]
    [InlineData("zone", new[] { "a", "c" })]
    [InlineData("!zone", new[] { "b", "d" })]
    [InlineData("tier=db,zone=eu", new[] { "a" })]
    public async Task Label_selectors_filter_lists(string selector, string[] expected)
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await SeedAsync(http);

        var list = await http.GetAsync($"{ConfigMaps}?labelSelector={Uri.EscapeDataString(selector)}");

        list.Code.Should().Be(200);
        Names(list).Should().Equal(expected);
    }

    [Fact]
    public async Task A_malformed_label_selector_is_a_bad_request()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);

        var list = await http.GetAsync($"{ConfigMaps}?labelSelector={Uri.EscapeDataString("tier in db")}");

        list.Code.Should().Be(400);
        Objects.Str(list.Body["message"]).Should().StartWith("unable to parse requirement");
    }

    [Fact]
    public async Task Field_selectors_match_name_and_namespace_and_reject_unknown_fields()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await SeedAsync(http);
        await http.PostAsync("/api/v1/namespaces/other/configmaps", Objects.ConfigMap("a", ns: "other"));

        var byName = await http.GetAsync($"/api/v1/configmaps?fieldSelector={Uri.EscapeDataString("metadata.name=a")}");
        var notDefault = await http.GetAsync($"/api/v1/configmaps?fieldSelector={Uri.EscapeDataString("metadata.namespace!=default")}");
        var unsupported = await http.GetAsync($"{ConfigMaps}?fieldSelector={Uri.EscapeDataString("data.k=v")}");

        byName.Body["items"]!.AsArray().Select(i => Objects.Str(i!["metadata"]!["namespace"])).Should().Equal("default", "other");
        Names(notDefault).Should().Equal("a");
        unsupported.Code.Should().Be(400);
        Objects.Str(unsupported.Body["message"]).Should().Be("field label not supported: data.k");
    }

    [Fact]
    public async Task A_list_reports_kind_api_version_and_the_store_resource_version()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await SeedAsync(http);

        var list = await http.GetAsync(ConfigMaps);

        Objects.Str(list.Body["kind"]).Should().Be("ConfigMapList");
        Objects.Str(list.Body["apiVersion"]).Should().Be("v1");
        list.ResourceVersion.Should().Be(server.Store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Pages_come_from_one_consistent_snapshot()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await SeedAsync(http);

        var first = await http.GetAsync($"{ConfigMaps}?limit=2");
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("bb"));
        await http.DeleteAsync($"{ConfigMaps}/d");
        var token = Uri.EscapeDataString(Objects.Str(first.Body["metadata"]!["continue"]));
        var second = await http.GetAsync($"{ConfigMaps}?limit=2&continue={token}");

        Names(first).Should().Equal("a", "b");
        first.Body["metadata"]!["remainingItemCount"]!.GetValue<long>().Should().Be(2);
        Names(second).Should().Equal("c", "d");
        second.ResourceVersion.Should().Be(first.ResourceVersion);
        second.Body["metadata"]!["continue"].Should().BeNull();
    }

    [Fact]
    public async Task A_continue_token_older_than_the_compaction_is_410_Gone()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await SeedAsync(http);
        var first = await http.GetAsync($"{ConfigMaps}?limit=1");
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("e"));
        server.Compact();

        var expired = await http.GetAsync($"{ConfigMaps}?limit=1&continue={Uri.EscapeDataString(Objects.Str(first.Body["metadata"]!["continue"]))}");

        expired.Code.Should().Be(410);
        Objects.Str(expired.Body["reason"]).Should().Be("Expired");
    }

    [Fact]
    public async Task An_exact_list_at_an_old_version_shows_that_state_until_compaction_then_410()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        await http.PatchAsync($"{ConfigMaps}/a", KubeHttp.MergePatch, """{"data":{"k":"new"}}""");
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b"));

        var past = await http.GetAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}&resourceVersionMatch=Exact");
        server.Compact();
        var gone = await http.GetAsync($"{ConfigMaps}?resourceVersion={created.ResourceVersion}&resourceVersionMatch=Exact");

        Names(past).Should().Equal("a");
        Objects.Str(past.Body["items"]![0]!["data"]!["k"]).Should().Be("v");
        gone.Code.Should().Be(410);
    }

    [Fact]
    public async Task Lists_across_namespaces_use_the_cluster_wide_path()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        await http.PostAsync("/api/v1/namespaces/other/configmaps", Objects.ConfigMap("b", ns: "other"));

        var all = await http.GetAsync("/api/v1/configmaps");

        Names(all).Should().Equal("a", "b");
    }

    private static async Task SeedAsync(KubeHttp http)
    {
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("a", labels: new() { ["tier"] = "db", ["zone"] = "eu" }));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("b", labels: new() { ["tier"] = "db" }));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("c", labels: new() { ["tier"] = "cache", ["zone"] = "us" }));
        await http.PostAsync(ConfigMaps, Objects.ConfigMap("d"));
    }

    private static List<string> Names(KubeResponse list) =>
        list.Body["items"]!.AsArray().Select(i => Objects.Str(i!["metadata"]!["name"])).ToList();
}
