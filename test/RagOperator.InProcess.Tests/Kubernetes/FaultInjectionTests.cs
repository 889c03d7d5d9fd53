using FluentAssertions;
using RagOperator.InProcess.Kubernetes;
using Xunit;

namespace RagOperator.InProcess.Tests.Kubernetes;

public sealed class FaultInjectionTests
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task The_next_update_fails_with_a_conflict_and_the_retry_succeeds()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var created = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));
        server.Faults.FailNext(1, FaultKind.Conflict, verb: "update", resource: "configmaps");
        var changed = created.Body.DeepClone().AsObject();
        changed["data"]!["k"] = "2";

        var first = await http.PutAsync($"{ConfigMaps}/a", changed);
        var retry = await http.PutAsync($"{ConfigMaps}/a", changed);

        first.Code.Should().Be(409);
        Objects.Str(first.Body["reason"]).Should().Be("Conflict");
        Objects.Str(first.Body["message"]).Should().Contain("the object has been modified");
        retry.Code.Should().Be(200);
        server.Faults.InjectedCount.Should().Be(1);
    }

    [Theory]
    [InlineData(FaultKind.InternalError, 500, "InternalError")]
    [InlineData(FaultKind.ServiceUnavailable, 503, "ServiceUnavailable")]
    public async Task Server_errors_are_status_documents_and_write_nothing(FaultKind kind, int code, string reason)
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        server.Faults.FailNext(1, kind, verb: "create");

        var failed = await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"));

        failed.Code.Should().Be(code);
        Objects.Str(failed.Body["reason"]).Should().Be(reason);
        server.Store.Count("configmaps").Should().Be(0);
        (await http.PostAsync(ConfigMaps, Objects.ConfigMap("a"))).Code.Should().Be(201);
    }

    [Fact]
    public async Task Too_many_requests_carries_retry_after()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        server.Faults.Add(new FaultRule { Kind = FaultKind.TooManyRequests, Verb = "list", RetryAfterSeconds = 3, Times = 1 });

        var throttled = await http.GetAsync(ConfigMaps);

        throttled.Code.Should().Be(429);
        throttled.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(3));
        throttled.Body["details"]!["retryAfterSeconds"]!.GetValue<int>().Should().Be(3);
    }

    [Fact]
    public async Task Faults_can_target_one_resource_and_the_status_subresource()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var sts = (await http.PostAsync("/apis/apps/v1/namespaces/default/statefulsets", CrudSemanticsTests.StatefulSet("db", 1))).Body;
        server.Faults.FailNext(1, FaultKind.ServiceUnavailable, verb: "update", resource: "statefulsets.apps", subresource: "status");

        var mainUpdate = await http.PutAsync("/apis/apps/v1/namespaces/default/statefulsets/db", sts);
        var statusUpdate = await http.PutAsync("/apis/apps/v1/namespaces/default/statefulsets/db/status", sts);

        mainUpdate.Code.Should().Be(200);
        statusUpdate.Code.Should().Be(503);
    }

    [Fact]
    public async Task Probabilistic_faults_are_reproducible_from_the_seed()
    {
        async Task<List<int>> RunAsync()
        {
            await using var server = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions { Seed = 42 });
            using var http = new KubeHttp(server);
            server.Faults.FailRandomly(0.5, FaultKind.InternalError, verb: "get");
            var codes = new List<int>();
            for (var i = 0; i < 30; i++)
            {
                codes.Add((await http.GetAsync("/api/v1/namespaces/default")).Code);
            }

            return codes;
        }

        var first = await RunAsync();
        var second = await RunAsync();

        first.Should().Equal(second);
        first.Should().Contain(500).And.Contain(200);
    }

    [Fact]
    public async Task Latency_delays_a_request_that_then_succeeds()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        server.Faults.AddLatency(TimeSpan.FromMilliseconds(50), verb: "list", times: 1);

        var list = await http.GetAsync(ConfigMaps);

        list.Code.Should().Be(200);
        server.Faults.InjectedCount.Should().Be(1);
    }

    [Fact]
    public async Task Dropping_open_watches_breaks_the_stream_abruptly()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={server.Store.ResourceVersion}");
        await Objects.EventuallyAsync(() => Task.FromResult(server.OpenWatchCount == 1), "the watch is open");

        server.Faults.DropOpenWatches();
        var read = async () => await watch.NextAsync();

        await read.Should().ThrowAsync<Exception>("a dropped stream is an I/O error, not an orderly end");
    }

    [Fact]
    public async Task A_watch_can_be_cut_after_some_events()
    {
        await using var server = await InProcessKubernetesApiServer.StartAsync();
        using var http = new KubeHttp(server);
        var start = server.Store.ResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            await http.PostAsync(ConfigMaps, Objects.ConfigMap($"cm{i}"));
        }

        server.Faults.DropWatchesAfter(2, resource: "configmaps", times: 1);
        using var watch = await http.WatchAsync($"{ConfigMaps}?resourceVersion={start}");
        var first = await watch.NextEventAsync();
        var second = await watch.NextEventAsync();
        var third = async () => await watch.NextAsync();

        WatchTests.Describe(first).Should().Be("ADDED cm0");
        WatchTests.Describe(second).Should().Be("ADDED cm1");
        await third.Should().ThrowAsync<Exception>();
    }
}
