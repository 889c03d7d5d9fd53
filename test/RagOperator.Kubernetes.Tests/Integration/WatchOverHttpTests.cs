using System.Threading.Channels;
using FaultKind = RagOperator.InProcess.Kubernetes.FaultKind;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Tests.Support;
using RagOperator.Kubernetes.Watching;

namespace RagOperator.Kubernetes.Tests.Integration;

/// <summary>Watch resume and relist against the in-process API server with injected stream drops and compaction.</summary>
public sealed class WatchOverHttpTests : IAsyncLifetime, IDisposable
{
    private readonly TestCluster cluster = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Channel<WatchEvent<ConfigMap>> seen = Channel.CreateUnbounded<WatchEvent<ConfigMap>>();
    private Watcher<ConfigMap> watcher = null!;
    private Task consumer = Task.CompletedTask;

    public Task InitializeAsync() => cluster.InitializeAsync();

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await consumer;
        await cluster.DisposeAsync();
    }

    public void Dispose() => stop.Dispose();

    private async Task StartWatcherAsync()
    {
        watcher = new Watcher<ConfigMap>(cluster.NewClient(), new WatcherOptions
        {
            Namespace = "rag",
            InitialBackoff = TimeSpan.FromMilliseconds(5),
            MaxBackoff = TimeSpan.FromMilliseconds(50),
        });
        consumer = Task.Run(async () =>
        {
            await foreach (var e in watcher.RunAsync(stop.Token)) await seen.Writer.WriteAsync(e);
        });
        await watcher.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
    }

    private async Task<List<(WatchEventType Type, string Name, string Version)>> TakeAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = new List<(WatchEventType, string, string)>();
        for (var i = 0; i < count; i++)
        {
            var e = await seen.Reader.ReadAsync(timeout.Token);
            result.Add((e.Type, e.Object.Metadata.Name!, e.Object.Metadata.ResourceVersion!));
        }
        return result;
    }

    private int RefusedWatches() =>
        cluster.Server.Requests.Count(r => r is { Verb: "watch", Resource: "configmaps", StatusCode: 503 });

    private async Task AssertNothingMoreAsync()
    {
        // Let any duplicate arrive, then make sure none did: bookmarks (200 ms) and resumes happen meanwhile.
        await Task.Delay(600);
        seen.Reader.TryRead(out var extra).Should().BeFalse($"no event may be repeated, but got {extra?.Type} {extra?.Object.Metadata.Name}");
    }

    private static ConfigMap Map(string name, string value) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "rag" },
        Data = new Dictionary<string, string> { ["value"] = value },
    };

    [Fact]
    public async Task A_watch_cut_again_and_again_resumes_without_missing_or_repeating_an_event()
    {
        var client = cluster.Client;
        await client.CreateAsync(Map("before", "0"));
        await StartWatcherAsync();
        (await TakeAsync(1)).Single().Name.Should().Be("before");

        // Every watch stream is cut after two events, and open streams are also reset between writes.
        cluster.Server.Faults.DropWatchesAfter(2, resource: "configmaps");
        var expected = new List<(WatchEventType, string, string)>();
        for (var i = 0; i < 12; i++)
        {
            var created = await client.CreateAsync(Map($"m{i}", "0"));
            expected.Add((WatchEventType.Added, created.Metadata.Name!, created.Metadata.ResourceVersion!));
            created.Data!["value"] = "1";
            var modified = await client.UpdateAsync(created);
            expected.Add((WatchEventType.Modified, modified.Metadata.Name!, modified.Metadata.ResourceVersion!));
            if (i % 3 == 0)
            {
                cluster.Server.Faults.DropOpenWatches();
                await client.DeleteAsync<ConfigMap>(modified.Metadata.Name!, "rag");
                var deleted = expected[^1];
                expected.Add((WatchEventType.Deleted, deleted.Item2, "?"));
            }
        }

        var events = await TakeAsync(expected.Count);

        events.Select(e => (e.Type, e.Name)).Should().Equal(expected.Select(e => (e.Item1, e.Item2)), "every change arrives once, in order");
        events.Where(e => e.Type != WatchEventType.Deleted).Select(e => e.Version)
            .Should().Equal(expected.Where(e => e.Item1 != WatchEventType.Deleted).Select(e => e.Item3));
        await AssertNothingMoreAsync();
        watcher.Resumes.Should().BeGreaterThan(3, "the streams really were cut");
        watcher.Relists.Should().Be(0, "resuming from the last version needs no relist");
    }

    [Fact]
    public async Task After_compaction_the_watch_gets_410_relists_and_emits_each_difference_once()
    {
        var client = cluster.Client;
        await client.CreateAsync(Map("kept", "0"));
        await client.CreateAsync(Map("changed", "0"));
        await client.CreateAsync(Map("removed", "0"));
        // The first watch passes the fault check at once but opens its stream only later: the outage below must
        // still cut it, as it would a watch that a loaded machine delays.
        cluster.Server.Faults.AddLatency(TimeSpan.FromMilliseconds(300), verb: "watch", resource: "configmaps", times: 1);
        await StartWatcherAsync();
        (await TakeAsync(3)).Should().HaveCount(3);

        // Keep the watcher disconnected while the cluster moves on and forgets its history.
        var outage = cluster.Server.Faults.FailRandomly(1.0, FaultKind.ServiceUnavailable, verb: "watch", resource: "configmaps");
        // Lists too: a watcher that relists during the outage would report the intermediate state it saw (a loaded
        // machine gives its retries time to get there), and this test is about what one relist after the 410 emits.
        var listOutage = cluster.Server.Faults.FailRandomly(1.0, FaultKind.ServiceUnavailable, verb: "list", resource: "configmaps");
        var refusedBefore = RefusedWatches();
        // The watch that followed the initial list may have passed the fault check before the rule was added and
        // register only after a drop, so keep cutting open streams until a watch request made under the rule has
        // been refused: the watcher watches one stream at a time, so from then on it holds none.
        await Eventually.TrueAsync(() =>
        {
            if (cluster.Server.OpenWatchCount > 0) cluster.Server.Faults.DropOpenWatches();
            return RefusedWatches() > refusedBefore && cluster.Server.OpenWatchCount == 0;
        }, "the watcher is cut off");
        var changed = await client.GetAsync<ConfigMap>("changed", "rag");
        changed.Data!["value"] = "1";
        changed = await client.UpdateAsync(changed);
        changed.Data!["value"] = "2";
        changed = await client.UpdateAsync(changed);
        await client.DeleteAsync<ConfigMap>("removed", "rag");
        var created = await client.CreateAsync(Map("created", "0"));
        await client.CreateAsync(Map("ephemeral", "0"));
        await client.DeleteAsync<ConfigMap>("ephemeral", "rag");
        cluster.Server.Compact();
        cluster.Server.Faults.Remove(listOutage);
        cluster.Server.Faults.Remove(outage);

        var events = await TakeAsync(3);

        events.Should().BeEquivalentTo(new[]
        {
            (WatchEventType.Modified, "changed", changed.Metadata.ResourceVersion!),
            (WatchEventType.Added, "created", created.Metadata.ResourceVersion!),
            (WatchEventType.Deleted, "removed", events.Single(e => e.Name == "removed").Version),
        });
        watcher.Relists.Should().BeGreaterThanOrEqualTo(1);

        var after = await client.CreateAsync(Map("after", "0"));
        (await TakeAsync(1)).Single().Should().Be((WatchEventType.Added, "after", after.Metadata.ResourceVersion!));
        await AssertNothingMoreAsync();
    }

    [Fact]
    public async Task A_raw_watch_from_a_compacted_version_fails_with_Gone()
    {
        var client = cluster.Client;
        var first = await client.CreateAsync(Map("a", "0"));
        await client.CreateAsync(Map("b", "0"));
        cluster.Server.Compact();

        var act = async () =>
        {
            await foreach (var _ in client.WatchAsync<ConfigMap>("rag", new WatchOptions { ResourceVersion = first.Metadata.ResourceVersion, TimeoutSeconds = 5 }))
            {
            }
        };

        await act.Should().ThrowAsync<GoneException>();
    }
}
