using System.Threading.Channels;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Tests.Support;
using RagOperator.Kubernetes.Watching;
using static RagOperator.Kubernetes.Tests.Support.ScriptedClient;

namespace RagOperator.Kubernetes.Tests.Watching;

/// <summary>The reflector's bookkeeping, against a scripted client (the over-HTTP versions are in Integration).</summary>
public sealed class WatcherTests : IAsyncDisposable
{
    private readonly ScriptedClient client = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Channel<WatchEvent<ConfigMap>> seen = Channel.CreateUnbounded<WatchEvent<ConfigMap>>();
    private readonly Watcher<ConfigMap> watcher;
    private Task? consumer;

    public WatcherTests()
    {
        watcher = new Watcher<ConfigMap>(client, new WatcherOptions
        {
            Namespace = "rag",
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(2),
        });
    }

    private void Start() => consumer = Task.Run(async () =>
    {
        await foreach (var e in watcher.RunAsync(stop.Token)) await seen.Writer.WriteAsync(e);
    });

    private async Task<List<(WatchEventType, string, string)>> Take(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var result = new List<(WatchEventType, string, string)>();
        for (var i = 0; i < count; i++)
        {
            var e = await seen.Reader.ReadAsync(timeout.Token);
            result.Add((e.Type, e.Object.Metadata.Name!, e.Object.Metadata.ResourceVersion!));
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (consumer is not null) await consumer;
        stop.Dispose();
    }

    [Fact]
    public async Task It_lists_then_watches_from_the_list_version_and_is_synced_after_the_listed_objects()
    {
        client.EnqueueList("10", Map("a", "3"), Map("b", "7"));
        Start();

        (await Take(2)).Should().Equal((WatchEventType.Added, "a", "3"), (WatchEventType.Added, "b", "7"));
        var watch = await client.NextWatchAsync();
        await watcher.WaitForSyncAsync(CancellationToken.None);

        client.WatchCalls.Single().ResourceVersion.Should().Be("10");
        client.WatchCalls.Single().AllowWatchBookmarks.Should().BeTrue();
        await watch.WriteAsync(Event(WatchEventType.Modified, "a", "11"));
        (await Take(1)).Should().Equal((WatchEventType.Modified, "a", "11"));
    }

    [Fact]
    public async Task A_dropped_stream_resumes_from_the_last_event_or_bookmark_version()
    {
        client.EnqueueList<ConfigMap>("10");
        Start();
        var first = await client.NextWatchAsync();
        await first.WriteAsync(Event(WatchEventType.Added, "a", "12"));
        (await Take(1)).Should().Equal((WatchEventType.Added, "a", "12"));
        first.Complete(new IOException("connection reset by peer"));

        var second = await client.NextWatchAsync();
        client.WatchCalls[1].ResourceVersion.Should().Be("12");
        await second.WriteAsync(new WatchEvent<ConfigMap>(WatchEventType.Bookmark, new ConfigMap { Metadata = new ObjectMeta { ResourceVersion = "20" } }));
        second.Complete();

        var third = await client.NextWatchAsync();
        client.WatchCalls[2].ResourceVersion.Should().Be("20", "bookmarks advance the resume point without emitting anything");
        await third.WriteAsync(Event(WatchEventType.Deleted, "a", "21"));
        (await Take(1)).Should().Equal((WatchEventType.Deleted, "a", "21"));
        watcher.Resumes.Should().Be(2);
        client.ListCalls.Should().HaveCount(1, "resuming needs no relist");
    }

    [Fact]
    public async Task After_410_Gone_it_relists_and_emits_only_the_differences()
    {
        client.EnqueueList("10", Map("kept", "1"), Map("changed", "2"), Map("removed", "3"));
        Start();
        (await Take(3)).Should().HaveCount(3);
        var watch = await client.NextWatchAsync();

        client.EnqueueList("50", Map("kept", "1"), Map("changed", "40", "new"), Map("created", "45"));
        watch.Complete(new GoneException(new Status { Code = 410, Reason = "Expired", Message = "too old resource version" }));

        (await Take(3)).Should().Equal(
            (WatchEventType.Modified, "changed", "40"),
            (WatchEventType.Added, "created", "45"),
            (WatchEventType.Deleted, "removed", "3"));
        await client.NextWatchAsync();
        client.WatchCalls[1].ResourceVersion.Should().Be("50");
        watcher.Relists.Should().Be(1);
    }

    [Fact]
    public async Task Events_the_consumer_already_has_are_not_repeated_and_types_follow_its_view()
    {
        client.EnqueueList("10", Map("a", "5"));
        Start();
        await Take(1);
        var watch = await client.NextWatchAsync();

        await watch.WriteAsync(Event(WatchEventType.Added, "a", "5"));
        await watch.WriteAsync(Event(WatchEventType.Added, "a", "6"));
        await watch.WriteAsync(Event(WatchEventType.Modified, "b", "7"));
        await watch.WriteAsync(Event(WatchEventType.Deleted, "zz", "8"));
        await watch.WriteAsync(Event(WatchEventType.Modified, "b", "9"));

        (await Take(3)).Should().Equal(
            (WatchEventType.Modified, "a", "6"),
            (WatchEventType.Added, "b", "7"),
            (WatchEventType.Modified, "b", "9"));
    }

    [Fact]
    public async Task A_failing_list_is_retried_and_pages_are_stitched_into_one_snapshot()
    {
        client.EnqueueListFailure(new ServerErrorException(new Status { Code = 503 }));
        client.EnqueueList(o => new KubernetesList<ConfigMap> { Metadata = new ListMeta { ResourceVersion = "30", Continue = "p2" }, Items = [Map("a", "1")] });
        client.EnqueueList(o => new KubernetesList<ConfigMap> { Metadata = new ListMeta { ResourceVersion = "30" }, Items = [Map("b", "2")] });
        Start();

        (await Take(2)).Should().Equal((WatchEventType.Added, "a", "1"), (WatchEventType.Added, "b", "2"));
        await client.NextWatchAsync();
        client.ListCalls.Select(o => o?.Continue).Should().Equal(null, null, "p2");
        client.WatchCalls.Single().ResourceVersion.Should().Be("30");
    }
}
