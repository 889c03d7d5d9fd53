using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Events;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Tests.Support;
using FaultKind = RagOperator.InProcess.Kubernetes.FaultKind;

namespace RagOperator.Kubernetes.Tests.Events;

public sealed class EventRecorderTests : IAsyncLifetime
{
    private readonly TestCluster cluster = new();
    private readonly ManualTimeProvider time = new(DateTimeOffset.UtcNow);
    private ConfigMap regarding = null!;

    public async Task InitializeAsync()
    {
        await cluster.InitializeAsync();
        regarding = await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "c-routing", Namespace = "rag" } });
    }

    public Task DisposeAsync() => cluster.DisposeAsync();

    private EventRecorder Recorder(int burst = 25) => new(cluster.NewClient(), new EventRecorderOptions
    {
        ReportingController = "ragoperator.io/operator",
        ReportingInstance = "rag-operator-0",
        Burst = burst,
        TimeProvider = time,
    });

    private async Task<IList<Event>> EventsAsync() => (await cluster.Client.ListAsync<Event>("rag")).Items;

    [Fact]
    public async Task An_event_is_recorded_on_the_object_it_concerns()
    {
        using var recorder = Recorder();

        await recorder.NormalAsync(regarding, "RoutingPublished", "Publish", "published routing table version 3");

        var recorded = (await EventsAsync()).Should().ContainSingle().Subject;
        recorded.Regarding!.Kind.Should().Be("ConfigMap");
        recorded.Regarding.Name.Should().Be("c-routing");
        recorded.Regarding.Uid.Should().Be(regarding.Metadata.Uid);
        recorded.Reason.Should().Be("RoutingPublished");
        recorded.Action.Should().Be("Publish");
        recorded.Note.Should().Be("published routing table version 3");
        recorded.Type.Should().Be("Normal");
        recorded.ReportingController.Should().Be("ragoperator.io/operator");
        recorded.ReportingInstance.Should().Be("rag-operator-0");
        recorded.EventTime.Should().BeCloseTo(time.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        recorded.Series.Should().BeNull();
        recorded.Metadata.Name.Should().StartWith("c-routing.");
    }

    [Fact]
    public async Task Repeats_update_one_event_series_instead_of_creating_new_events()
    {
        using var recorder = Recorder();

        await recorder.WarningAsync(regarding, "ShardUnavailable", "Reconcile", "shard 2 has no ready pod");
        time.Advance(TimeSpan.FromSeconds(30));
        await recorder.WarningAsync(regarding, "ShardUnavailable", "Reconcile", "shard 2 has no ready pod");
        time.Advance(TimeSpan.FromSeconds(30));
        await recorder.WarningAsync(regarding, "ShardUnavailable", "Reconcile", "shard 2 has no ready pod");
        await recorder.WarningAsync(regarding, "ShardUnavailable", "Reconcile", "shard 3 has no ready pod");

        var events = await EventsAsync();
        events.Should().HaveCount(2);
        var repeated = events.Single(e => e.Note!.Contains("shard 2", StringComparison.Ordinal));
        repeated.Series!.Count.Should().Be(3);
        repeated.Series.LastObservedTime.Should().BeCloseTo(time.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        repeated.Type.Should().Be("Warning");
    }

    [Fact]
    public async Task A_repeat_after_the_series_window_starts_a_new_event()
    {
        using var recorder = Recorder();

        await recorder.NormalAsync(regarding, "Scaled", "Scale", "scaled to 3 shards");
        time.Advance(TimeSpan.FromMinutes(7));
        await recorder.NormalAsync(regarding, "Scaled", "Scale", "scaled to 3 shards");

        (await EventsAsync()).Should().HaveCount(2).And.OnlyContain(e => e.Series == null);
    }

    [Fact]
    public async Task The_rate_limit_stops_spam_and_a_flush_writes_what_was_held_back()
    {
        using var recorder = Recorder(burst: 2);

        for (var i = 0; i < 6; i++) await recorder.WarningAsync(regarding, "Flapping", "Reconcile", $"attempt {i % 3}");

        (await EventsAsync()).Should().HaveCount(2, "only the burst reaches the API server");
        recorder.Suppressed.Should().Be(4);

        await recorder.FlushAsync();

        var events = await EventsAsync();
        events.Should().HaveCount(3);
        events.Sum(e => e.Series?.Count ?? 1).Should().Be(6, "every occurrence is counted");
    }

    [Fact]
    public async Task An_expired_event_is_recreated_with_the_running_count()
    {
        using var recorder = Recorder();
        await recorder.NormalAsync(regarding, "Synced", "Reconcile", "in sync");
        var first = (await EventsAsync()).Single();
        await cluster.Client.DeleteAsync<Event>(first.Metadata.Name!, "rag");

        await recorder.NormalAsync(regarding, "Synced", "Reconcile", "in sync");

        var second = (await EventsAsync()).Single();
        second.Metadata.Name.Should().NotBe(first.Metadata.Name);
        second.Series!.Count.Should().Be(2);
    }

    [Fact]
    public async Task A_failing_API_server_never_fails_the_caller()
    {
        using var recorder = Recorder();
        cluster.Server.Faults.FailNext(1, FaultKind.InternalError, verb: "create", resource: "events.events.k8s.io");

        var act = () => recorder.WarningAsync(regarding, "Oops", "Reconcile", "lost");

        await act.Should().NotThrowAsync();
        cluster.Server.Faults.InjectedCount.Should().Be(1);
        (await EventsAsync()).Should().BeEmpty();
    }
}
