using Prometheus;
using RagOperator.TestSupport.Prometheus;
using System.Net;
using System.Text.Json.Nodes;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Configuration;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Tests.Support;

namespace RagOperator.Kubernetes.Tests.Client;

public sealed class KubernetesClientTests : IDisposable
{
    private const string MapJson = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c-routing","namespace":"rag","resourceVersion":"7"},"data":{"v":"1"}}""";
    private readonly FakeHttpHandler handler = new();
    private readonly ManualTimeProvider time = new();
    private readonly CollectorRegistry metrics = Metrics.NewCustomRegistry();
    private readonly KubernetesClient client;

    public KubernetesClientTests()
    {
        var configuration = new KubernetesClientConfiguration
        {
            Server = new Uri("https://api.example:6443/prefix/"),
            Namespace = "rag",
            TokenProvider = new k8s.Authentication.StringTokenProvider("t0k3n", "Bearer"),
        };
        client = new KubernetesClient(configuration, new KubernetesClientOptions
        {
            MaxRetries = 3,
            RetryBaseDelay = TimeSpan.Zero,
            RetryMaxDelay = TimeSpan.Zero,
            Metrics = new KubernetesClientMetrics(Metrics.WithCustomRegistry(metrics)),
        }, handler: handler);
    }

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task Get_uses_the_default_namespace_the_server_prefix_and_the_bearer_token()
    {
        handler.Respond(HttpStatusCode.OK, MapJson);

        var map = await client.GetAsync<ConfigMap>("c-routing");

        map.Data!["v"].Should().Be("1");
        var request = handler.Requests.Single();
        request.Method.Should().Be(HttpMethod.Get);
        request.Uri.AbsoluteUri.Should().Be("https://api.example:6443/prefix/api/v1/namespaces/rag/configmaps/c-routing");
        request.Authorization.Should().Be("Bearer t0k3n");
    }

    [Fact]
    public async Task TryGet_returns_null_on_404_and_Get_throws_NotFound()
    {
        handler.Respond(HttpStatusCode.NotFound, FakeHttpHandler.StatusJson(404, "NotFound", "configmaps \\\"x\\\" not found"))
            .Respond(HttpStatusCode.NotFound, FakeHttpHandler.StatusJson(404, "NotFound", "configmaps \\\"x\\\" not found"));

        (await client.TryGetAsync<ConfigMap>("x")).Should().BeNull();
        var act = () => client.GetAsync<ConfigMap>("x");
        (await act.Should().ThrowAsync<NotFoundException>()).Which.Message.Should().Contain("not found");
        handler.Requests.Should().HaveCount(2, "404 is not retried");
    }

    [Fact]
    public async Task List_sends_selectors_and_paging_and_ListAll_follows_continue_tokens()
    {
        handler
            .Respond(HttpStatusCode.OK, """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"100","continue":"page2"},"items":[{"metadata":{"name":"a"}}]}""")
            .Respond(HttpStatusCode.OK, """{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"100"},"items":[{"metadata":{"name":"b"}},{"metadata":{"name":"c"}}]}""");

        var names = new List<string>();
        await foreach (var pod in client.ListAllAsync<Pod>(null, new ListOptions { LabelSelector = "app=qdrant,shard in (0,1)", FieldSelector = "status.phase=Running" }, pageSize: 1))
            names.Add(pod.Metadata.Name!);

        names.Should().Equal("a", "b", "c");
        handler.Requests[0].Uri.PathAndQuery.Should().Be("/prefix/api/v1/pods?labelSelector=app%3Dqdrant%2Cshard%20in%20%280%2C1%29&fieldSelector=status.phase%3DRunning&limit=1");
        handler.Requests[1].Uri.Query.Should().EndWith("&limit=1&continue=page2");
    }

    [Fact]
    public async Task Create_posts_to_the_collection_with_the_field_manager_and_reports_AlreadyExists()
    {
        handler.Respond(HttpStatusCode.Conflict, FakeHttpHandler.StatusJson(409, "AlreadyExists", "configmaps \\\"c-routing\\\" already exists"));

        var act = () => client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "c-routing", Namespace = "other" }, Data = new Dictionary<string, string> { ["v"] = "1" } });

        (await act.Should().ThrowAsync<ConflictException>()).Which.IsAlreadyExists.Should().BeTrue();
        var request = handler.Requests.Single();
        request.Method.Should().Be(HttpMethod.Post);
        request.Uri.PathAndQuery.Should().Be("/prefix/api/v1/namespaces/other/configmaps?fieldManager=rag-operator");
        request.ContentType.Should().Be("application/json");
        JsonNode.Parse(request.Body!)!["data"]!["v"]!.GetValue<string>().Should().Be("1");
    }

    [Fact]
    public async Task UpdateStatus_replaces_the_status_subresource()
    {
        handler.Respond(HttpStatusCode.OK, """{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","namespace":"rag","resourceVersion":"9"},"spec":{},"status":{"replicas":1}}""");
        var set = new StatefulSet { Metadata = new ObjectMeta { Name = "s", Namespace = "rag", ResourceVersion = "8" }, Status = new StatefulSetStatus { Replicas = 1 } };

        var updated = await client.UpdateStatusAsync(set);

        updated.Metadata.ResourceVersion.Should().Be("9");
        handler.Requests.Single().Method.Should().Be(HttpMethod.Put);
        handler.Requests.Single().Uri.AbsolutePath.Should().Be("/prefix/apis/apps/v1/namespaces/rag/statefulsets/s/status");
        JsonNode.Parse(handler.Requests.Single().Body!)!["metadata"]!["resourceVersion"]!.GetValue<string>().Should().Be("8");
    }

    [Fact]
    public async Task Apply_patches_with_the_apply_content_type_field_manager_and_force()
    {
        handler.Respond(HttpStatusCode.OK, MapJson);
        var desired = new ConfigMap
        {
            Metadata = new ObjectMeta { Name = "c-routing", Namespace = "rag", Uid = "u1", ManagedFields = [new JsonObject { ["manager"] = "x" }] },
            Data = new Dictionary<string, string> { ["v"] = "1" },
        };

        await client.ApplyAsync(desired, new ApplyOptions("rag-operator/routing", Force: true));

        var request = handler.Requests.Single();
        request.Method.Should().Be(HttpMethod.Patch);
        request.ContentType.Should().Be("application/apply-patch+yaml");
        request.Uri.Query.Should().Be("?fieldManager=rag-operator%2Frouting&force=true");
        var body = JsonNode.Parse(request.Body!)!;
        body["apiVersion"]!.GetValue<string>().Should().Be("v1");
        body["kind"]!.GetValue<string>().Should().Be("ConfigMap");
        body["metadata"]!.AsObject().ContainsKey("managedFields").Should().BeFalse("the API server rejects managedFields in an apply body");
        body["metadata"]!.AsObject().ContainsKey("uid").Should().BeFalse();
    }

    [Fact]
    public async Task A_merge_patch_of_the_status_goes_to_the_status_subresource()
    {
        handler.Respond(HttpStatusCode.OK, """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}""");

        await client.PatchStatusAsync<Pod>("p", "rag", KubernetesPatch.Merge(new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running" } }));

        var request = handler.Requests.Single();
        request.ContentType.Should().Be("application/merge-patch+json");
        request.Uri.AbsolutePath.Should().EndWith("/api/v1/namespaces/rag/pods/p/status");
        request.Body.Should().Be("""{"status":{"phase":"Running"}}""");
    }

    [Fact]
    public async Task Delete_sends_propagation_policy_and_preconditions_as_DeleteOptions()
    {
        handler.Respond(HttpStatusCode.OK, """{"kind":"Status","apiVersion":"v1","status":"Success"}""");

        await client.DeleteAsync<StatefulSet>("s", "rag", new DeleteOptions
        {
            PropagationPolicy = PropagationPolicy.Foreground,
            PreconditionUid = "uid-1",
            PreconditionResourceVersion = "41",
            GracePeriodSeconds = 0,
        });

        var body = JsonNode.Parse(handler.Requests.Single().Body!)!;
        handler.Requests.Single().Method.Should().Be(HttpMethod.Delete);
        body["kind"]!.GetValue<string>().Should().Be("DeleteOptions");
        body["propagationPolicy"]!.GetValue<string>().Should().Be("Foreground");
        body["gracePeriodSeconds"]!.GetValue<long>().Should().Be(0);
        body["preconditions"]!["uid"]!.GetValue<string>().Should().Be("uid-1");
        body["preconditions"]!["resourceVersion"]!.GetValue<string>().Should().Be("41");
    }

    [Fact]
    public async Task An_idempotent_call_is_retried_after_5xx_and_transport_errors()
    {
        handler.Respond(HttpStatusCode.ServiceUnavailable, FakeHttpHandler.StatusJson(503, "ServiceUnavailable", "etcd leader changed"))
            .Throw(new HttpRequestException("connection reset"))
            .Respond(HttpStatusCode.OK, MapJson);

        var map = await client.GetAsync<ConfigMap>("c-routing");

        map.Metadata.ResourceVersion.Should().Be("7");
        handler.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_create_is_not_retried_after_a_5xx_because_it_may_have_happened()
    {
        handler.Respond(HttpStatusCode.InternalServerError, FakeHttpHandler.StatusJson(500, "InternalError", "boom"));

        var act = () => client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "x" } });

        await act.Should().ThrowAsync<ServerErrorException>();
        handler.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task A_create_is_retried_after_429_because_the_server_did_not_act_on_it()
    {
        handler.Respond(HttpStatusCode.TooManyRequests, FakeHttpHandler.StatusJson(429, "TooManyRequests", "slow down"), r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero))
            .Respond(HttpStatusCode.Created, MapJson);

        await client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "c-routing" } });

        handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Retry_after_429_waits_for_the_server_requested_time()
    {
        var handler = new FakeHttpHandler()
            .Respond(HttpStatusCode.TooManyRequests, FakeHttpHandler.StatusJson(429, "TooManyRequests", "slow down"), r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(5)))
            .Respond(HttpStatusCode.OK, MapJson);
        using var timed = new KubernetesClient(KubernetesClientConfiguration.ForServer(new Uri("http://127.0.0.1:1")),
            new KubernetesClientOptions { TimeProvider = time, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }, handler: handler);

        var call = timed.GetAsync<ConfigMap>("c-routing", "rag");
        await Eventually.TrueAsync(() => handler.Requests.Count == 1, "first attempt sent");
        time.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Delay(50);
        handler.Requests.Should().HaveCount(1, "Retry-After is 5 s");
        time.Advance(TimeSpan.FromSeconds(0.2));

        (await call).Metadata.Name.Should().Be("c-routing");
        handler.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task When_429_persists_the_exception_carries_Retry_After()
    {
        for (var i = 0; i < 4; i++)
            handler.Respond(HttpStatusCode.TooManyRequests, FakeHttpHandler.StatusJson(429, "TooManyRequests", "slow down"), r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero));

        var act = () => client.GetAsync<ConfigMap>("c-routing");

        await act.Should().ThrowAsync<TooManyRequestsException>();
        handler.Requests.Should().HaveCount(4, "one attempt plus three retries");
    }

    [Fact]
    public async Task Every_attempt_is_counted_by_verb_code_and_resource()
    {
        handler.Respond(HttpStatusCode.InternalServerError, FakeHttpHandler.StatusJson(500, "InternalError", "x"))
            .Respond(HttpStatusCode.OK, """{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"l"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"r"}}""");

        await client.GetAsync<ClusterRoleBinding>("l");
        var exposition = await metrics.ScrapeAsync();

        exposition.Family("kubernetes_api_requests_total").Type.Should().Be("counter");
        exposition.Family("kubernetes_api_requests_total").Samples.Select(s => (s.Value, s.Labels["verb"], s.Labels["code"], s.Labels["resource"]))
            .Should().BeEquivalentTo([(1.0, "get", "500", "clusterrolebindings"), (1.0, "get", "200", "clusterrolebindings")]);
    }

    [Fact]
    public async Task A_watch_streams_events_and_surfaces_an_ERROR_410_as_Gone()
    {
        handler.Respond(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(
                """{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"11"}}}""" + "\n" +
                """{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"resourceVersion":"15"}}}""" + "\n\n" +
                """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410}}""" + "\n"),
        });

        var events = new List<WatchEvent<ConfigMap>>();
        var act = async () =>
        {
            await foreach (var e in client.WatchAsync<ConfigMap>("rag", new WatchOptions { ResourceVersion = "10", TimeoutSeconds = 60 })) events.Add(e);
        };

        await act.Should().ThrowAsync<GoneException>();
        events.Select(e => (e.Type, e.Object.Metadata.ResourceVersion)).Should().Equal((WatchEventType.Added, "11"), (WatchEventType.Bookmark, "15"));
        handler.Requests.Single().Uri.Query.Should().Be("?watch=true&resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=60");
    }

    [Fact]
    public async Task RetryOnConflict_reruns_a_stale_update_but_not_an_AlreadyExists()
    {
        var attempts = 0;
        var result = await KubernetesRetry.RetryOnConflictAsync(async () =>
        {
            await Task.Yield();
            if (++attempts < 3) throw new ConflictException(new Status { Code = 409, Reason = "Conflict" });
            return attempts;
        });
        result.Should().Be(3);

        var creates = 0;
        var act = () => KubernetesRetry.RetryOnConflictAsync(() =>
        {
            creates++;
            throw new ConflictException(new Status { Code = 409, Reason = "AlreadyExists" });
        });
        await act.Should().ThrowAsync<ConflictException>();
        creates.Should().Be(1);

        var stale = 0;
        var bounded = () => KubernetesRetry.RetryOnConflictAsync(() =>
        {
            stale++;
            throw new ConflictException(new Status { Code = 409, Reason = "Conflict" });
        }, maxAttempts: 4);
        await bounded.Should().ThrowAsync<ConflictException>();
        stale.Should().Be(4);
    }
}
