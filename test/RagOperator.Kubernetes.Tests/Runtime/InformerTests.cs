using System.Collections.Concurrent;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Tests.Support;

namespace RagOperator.Kubernetes.Tests.Runtime;

public sealed class InformerTests : IAsyncLifetime, IDisposable
{
    private readonly TestCluster cluster = new();
    private readonly CancellationTokenSource stop = new();
    private Task running = Task.CompletedTask;

    public Task InitializeAsync() => cluster.InitializeAsync();

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await running;
        await cluster.DisposeAsync();
    }

    public void Dispose() => stop.Dispose();

    private static ConfigMap Map(string name, string value, OwnerReference? owner = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "rag", OwnerReferences = owner is null ? null : [owner] },
        Data = new Dictionary<string, string> { ["value"] = value },
    };

    [Fact]
    public async Task The_cache_follows_creates_updates_and_deletes_and_hands_out_copies()
    {
        await cluster.Client.CreateAsync(Map("existing", "0"));
        var informer = new Informer<ConfigMap>(cluster.NewClient(), new InformerOptions { Namespace = "rag" });
        informer.HasSynced.Should().BeFalse();
        running = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        informer.Get("rag", "existing")!.Data!["value"].Should().Be("0");
        var created = await cluster.Client.CreateAsync(Map("new", "1"));
        await Eventually.TrueAsync(() => informer.Get("rag/new") is not null, "create seen");
        created.Data!["value"] = "2";
        await cluster.Client.UpdateAsync(created);
        await Eventually.TrueAsync(() => informer.Get("rag/new")?.Data!["value"] == "2", "update seen");
        await cluster.Client.DeleteAsync<ConfigMap>("existing", "rag");
        await Eventually.TrueAsync(() => informer.Get("rag/existing") is null, "delete seen");

        var copy = informer.Get("rag/new")!;
        copy.Data!["value"] = "mutated by a careless reconciler";
        informer.Get("rag/new")!.Data!["value"].Should().Be("2");
        informer.List().Select(m => m.Metadata.Name).Should().Equal("new");
    }

    [Fact]
    public async Task Children_are_found_by_their_owner_uid_and_by_custom_indexes()
    {
        var owner = await cluster.Client.CreateAsync(Map("owner", "x"));
        var reference = new OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid!, Controller = true };
        await cluster.Client.CreateAsync(Map("child-a", "a", reference));
        await cluster.Client.CreateAsync(Map("child-b", "b", reference));
        var informer = new Informer<ConfigMap>(cluster.NewClient());
        informer.AddIndexer("by-value", m => m.Data is { } d && d.TryGetValue("value", out var v) ? [v] : []);
        running = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        informer.ByIndex(Indexes.ByOwnerUid, owner.Metadata.Uid!).Select(m => m.Metadata.Name).Should().BeEquivalentTo("child-a", "child-b");
        informer.ByIndex("by-value", "b").Single().Metadata.Name.Should().Be("child-b");

        await cluster.Client.DeleteAsync<ConfigMap>("child-a", "rag");
        await Eventually.TrueAsync(() => informer.ByIndex(Indexes.ByOwnerUid, owner.Metadata.Uid!).Count == 1, "index updated on delete");
    }

    [Fact]
    public async Task Handlers_see_every_change_and_a_late_handler_is_replayed_the_cache()
    {
        var early = new ConcurrentQueue<string>();
        var informer = new Informer<ConfigMap>(cluster.NewClient(), new InformerOptions { Namespace = "rag" });
        informer.AddEventHandler(
            onAdd: m => early.Enqueue($"add {m.Metadata.Name}"),
            onUpdate: (old, m) => early.Enqueue($"update {m.Metadata.Name} {old.Data!["value"]}->{m.Data!["value"]}"),
            onDelete: m => early.Enqueue($"delete {m.Metadata.Name}"));
        informer.AddEventHandler(onAdd: _ => throw new InvalidOperationException("a broken handler"));
        running = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        var map = await cluster.Client.CreateAsync(Map("a", "1"));
        map.Data!["value"] = "2";
        await cluster.Client.UpdateAsync(map);
        await cluster.Client.DeleteAsync<ConfigMap>("a", "rag");
        await cluster.Client.CreateAsync(Map("b", "1"));
        await Eventually.TrueAsync(() => early.Count == 4, "four changes");

        early.Should().Equal("add a", "update a 1->2", "delete a", "add b");
        var late = new ConcurrentQueue<string>();
        informer.AddEventHandler(onAdd: m => late.Enqueue(m.Metadata.Name!));
        late.Should().Equal("b");
    }
}
