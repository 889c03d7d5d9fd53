using System.Text.Json;
using FluentAssertions;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using RagOperator.InProcess.Kubernetes;
using Xunit;
using WatchEventType = k8s.WatchEventType;

namespace RagOperator.InProcess.Tests.Kubernetes;

/// <summary>
/// The in-process API server judged by an independent peer: the official Kubernetes client (<c>KubernetesClient</c>)
/// sends what it sends to a real cluster — typed CRUD, server-side apply, watches with bookmarks, the status
/// subresource, leader election on a Lease — and must get what a real server answers.
/// </summary>
public sealed class OfficialClientContractTests : IAsyncLifetime, IDisposable
{
    private InProcessKubernetesApiServer server = null!;
    private k8s.Kubernetes client = null!;

    public async Task InitializeAsync()
    {
        server = await InProcessKubernetesApiServer.StartAsync(new InProcessApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.BaseUri.AbsoluteUri });
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => client.Dispose();

    private static V1ConfigMap Map(string name, string value) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "contract" } },
        Data = new Dictionary<string, string> { ["key"] = value },
    };

    [Fact]
    public async Task Typed_create_read_replace_and_delete_round_trip()
    {
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(Map("a", "1"), "default");
        created.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
        created.Metadata.Uid.Should().NotBeNullOrEmpty();

        created.Data["key"] = "2";
        var replaced = await client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");
        replaced.Data["key"].Should().Be("2");
        var stale = () => client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");
        (await stale.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.Conflict);

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app=contract");
        list.Items.Select(m => m.Metadata.Name).Should().Equal("a");
        await client.CoreV1.DeleteNamespacedConfigMapAsync("a", "default");
        var gone = () => client.CoreV1.ReadNamespacedConfigMapAsync("a", "default");
        (await gone.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Server_side_apply_records_the_field_manager_and_a_second_manager_conflicts_unless_forced()
    {
        var body = Map("applied", "one");
        body.Initialize();
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "applied", "default", fieldManager: "rag-operator");

        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("applied", "default");
        read.Data["key"].Should().Be("one");
        read.Metadata.ManagedFields.Should().ContainSingle(f => f.Manager == "rag-operator" && f.Operation == "Apply");

        var other = Map("applied", "two");
        other.Initialize();
        var conflicting = () => client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(other, V1Patch.PatchType.ApplyPatch), "applied", "default", fieldManager: "someone-else");
        (await conflicting.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.Conflict);
        var forced = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(other, V1Patch.PatchType.ApplyPatch), "applied", "default", fieldManager: "someone-else", force: true);
        forced.Data["key"].Should().Be("two");
    }

    [Fact]
    public async Task A_watch_delivers_added_modified_deleted_and_bookmarks()
    {
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<(WatchEventType Type, string? Name, string? Value)>();
        var watching = Task.Run(async () =>
        {
            var stream = client.CoreV1.WatchListNamespacedConfigMapAsync(
                "default", resourceVersion: list.Metadata.ResourceVersion, allowWatchBookmarks: true, timeoutSeconds: 15, cancellationToken: stop.Token);
            await foreach (var (type, map) in stream)
            {
                lock (events) events.Add((type, map.Metadata?.Name, (map.Data is { } data && data.TryGetValue("key", out var value) ? value : null)));
                if (type == WatchEventType.Deleted) return;
            }
        });

        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(Map("w", "1"), "default");
        created.Data["key"] = "2";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "w", "default");
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        await client.CoreV1.DeleteNamespacedConfigMapAsync("w", "default");
        await watching;

        events.Where(e => e.Type != WatchEventType.Bookmark).Should().Equal(
            (WatchEventType.Added, "w", "1"), (WatchEventType.Modified, "w", "2"), (WatchEventType.Deleted, "w", "2"));
        events.Should().Contain(e => e.Type == WatchEventType.Bookmark, "bookmarks were asked for");
    }

    [Fact]
    public async Task A_watch_from_before_a_compaction_reaches_the_error_callback_with_410()
    {
        var first = await client.CoreV1.CreateNamespacedConfigMapAsync(Map("old", "1"), "default");
        for (var i = 0; i < 5; i++) await client.CoreV1.CreateNamespacedConfigMapAsync(Map($"later-{i}", "x"), "default");
        server.Compact();

        Exception? error = null;
        var stream = client.CoreV1.WatchListNamespacedConfigMapAsync(
            "default", resourceVersion: first.Metadata.ResourceVersion, timeoutSeconds: 5, onError: e => error = e);
        var received = 0;
        await foreach (var _ in stream) received++;

        received.Should().Be(0);
        error.Should().BeOfType<KubernetesException>().Which.Status.Code.Should().Be(410);
    }

    [Fact]
    public async Task The_status_subresource_changes_status_and_leaves_the_spec_alone()
    {
        var deployment = await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "d" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "d" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "d" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
            },
        }, "default");

        var patch = new V1Patch(JsonSerializer.Serialize(new { spec = new { replicas = 9 }, status = new { observedGeneration = 1, readyReplicas = 2 } }), V1Patch.PatchType.MergePatch);
        var patched = await client.AppsV1.PatchNamespacedDeploymentStatusAsync(patch, "d", "default");

        patched.Status.ReadyReplicas.Should().Be(2);
        patched.Spec.Replicas.Should().Be(2, "the status subresource ignores spec");
        patched.Metadata.Generation.Should().Be(deployment.Metadata.Generation);
    }

    [Fact]
    public async Task The_official_leader_elector_takes_the_lease_and_a_second_candidate_waits()
    {
        LeaderElector Candidate(string identity) => new(new LeaderElectionConfig(new LeaseLock(client, "default", "contract-leader", identity))
        {
            // Long enough that a loaded machine's slow renewals do not cost the first candidate its lease.
            LeaseDuration = TimeSpan.FromSeconds(15),
            RenewDeadline = TimeSpan.FromSeconds(10),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var first = Candidate("first");
        var leading = new TaskCompletionSource();
        first.OnStartedLeading += () => leading.TrySetResult();
        var running = first.RunUntilLeadershipLostAsync(stop.Token);
        await leading.Task.WaitAsync(TimeSpan.FromSeconds(10));

        using var second = Candidate("second");
        var secondRun = second.RunUntilLeadershipLostAsync(stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));

        first.IsLeader().Should().BeTrue();
        second.IsLeader().Should().BeFalse("the lease is held and renewed by the first candidate");
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("contract-leader", "default");
        lease.Spec.HolderIdentity.Should().Be("first");
        lease.Spec.RenewTime.Should().NotBeNull();
        await stop.CancelAsync();
        await Task.WhenAll(running, secondRun).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
