using System.Collections.Concurrent;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Tests.Support;

namespace RagOperator.Kubernetes.Tests.Runtime;

public sealed class ControllerTests : IAsyncLifetime, IDisposable
{
    private readonly TestCluster cluster = new();
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> running = [];

    public Task InitializeAsync() => cluster.InitializeAsync();

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(20));
        await cluster.DisposeAsync();
    }

    public void Dispose() => stop.Dispose();

    private static ControllerOptions FastOptions => new()
    {
        Workers = 2,
        ResyncPeriod = null,
        RateLimiter = new ExponentialBackoffRateLimiter(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)),
    };

    private (Informer<ConfigMap> Parents, Informer<Secret> Children) Informers()
    {
        var parents = new Informer<ConfigMap>(cluster.NewClient(), new InformerOptions { Namespace = "rag" });
        var children = new Informer<Secret>(cluster.NewClient(), new InformerOptions { Namespace = "rag" });
        running.Add(parents.RunAsync(stop.Token));
        running.Add(children.RunAsync(stop.Token));
        return (parents, children);
    }

    private static Secret Child(string name, ConfigMap owner, bool controller = true, string kind = "ConfigMap") => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = "rag",
            OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = kind, Name = owner.Metadata.Name!, Uid = owner.Metadata.Uid!, Controller = controller }],
        },
        StringData = new Dictionary<string, string> { ["k"] = "v" },
    };

    [Fact]
    public async Task The_owner_is_reconciled_when_it_or_a_child_it_controls_changes()
    {
        var (parents, children) = Informers();
        var reconciled = new ConcurrentQueue<string>();
        var controller = new Controller<ConfigMap>("parents", parents, new DelegateReconciler<ConfigMap>((request, _) =>
        {
            reconciled.Enqueue(request.Key);
            return Task.FromResult(ReconcileResult.Done);
        }), FastOptions).Owns(children);
        running.Add(controller.RunAsync(stop.Token));

        var owner = await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "owner", Namespace = "rag" } });
        await Eventually.TrueAsync(() => reconciled.Contains("rag/owner"), "reconciled for its own creation");
        await Eventually.TrueAsync(() => controller.Queue.Count == 0 && controller.Queue.ProcessingCount == 0, "idle");
        reconciled.Clear();

        await cluster.Client.CreateAsync(Child("not-a-controller-ref", owner, controller: false));
        await cluster.Client.CreateAsync(Child("other-kind", owner, kind: "Deployment"));
        var child = await cluster.Client.CreateAsync(Child("owned", owner));
        await Eventually.TrueAsync(() => reconciled.Contains("rag/owner"), "reconciled because a child it controls appeared");
        await Task.Delay(100);
        reconciled.Should().OnlyContain(k => k == "rag/owner");
        var count = reconciled.Count;

        await cluster.Client.DeleteAsync<Secret>("owned", "rag");
        await Eventually.TrueAsync(() => reconciled.Count > count, "reconciled because the child was deleted");
        child.Metadata.Name.Should().Be("owned");
    }

    [Fact]
    public async Task A_failing_reconcile_is_retried_with_backoff_until_it_succeeds_and_RequeueAfter_comes_back()
    {
        var (parents, _) = Informers();
        var attempts = new ConcurrentDictionary<string, int>();
        var controller = new Controller<ConfigMap>("retries", parents, new DelegateReconciler<ConfigMap>((request, _) =>
        {
            var attempt = attempts.AddOrUpdate(request.Name, 1, (_, n) => n + 1);
            if (request.Name == "flaky" && attempt < 4) throw new InvalidOperationException($"transient failure {attempt}");
            if (request.Name == "poller" && attempt < 3) return Task.FromResult(ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(20)));
            return Task.FromResult(ReconcileResult.Done);
        }), FastOptions);
        running.Add(controller.RunAsync(stop.Token));

        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "flaky", Namespace = "rag" } });
        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "poller", Namespace = "rag" } });

        await Eventually.TrueAsync(() => attempts.GetValueOrDefault("flaky") == 4 && attempts.GetValueOrDefault("poller") == 3, "retried until done");
        await Task.Delay(200);
        attempts["flaky"].Should().Be(4, "after success the key is not retried again");
        attempts["poller"].Should().Be(3);
        controller.Queue.NumRequeues("rag/flaky").Should().Be(0, "success forgets the backoff");
    }

    [Fact]
    public async Task Shutdown_stops_taking_keys_and_waits_for_the_reconcile_in_flight()
    {
        var (parents, _) = Informers();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelledInFlight = false;
        var calls = 0;
        var controller = new Controller<ConfigMap>("drain", parents, new DelegateReconciler<ConfigMap>(async (_, token) =>
        {
            Interlocked.Increment(ref calls);
            entered.TrySetResult();
            await release.Task;
            cancelledInFlight = token.IsCancellationRequested;
            return ReconcileResult.Done;
        }), FastOptions with { Workers = 1, ShutdownGracePeriod = TimeSpan.FromSeconds(30) });
        using var controllerStop = new CancellationTokenSource();
        var run = controller.RunAsync(controllerStop.Token);

        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "slow", Namespace = "rag" } });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "queued", Namespace = "rag" } });
        await Eventually.TrueAsync(() => controller.Queue.Count == 1, "a second key waits");

        await controllerStop.CancelAsync();
        await Task.Delay(100);
        run.IsCompleted.Should().BeFalse("the reconcile in flight is drained, not abandoned");
        release.SetResult();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        cancelledInFlight.Should().BeFalse("it finished within the grace period");
        calls.Should().Be(1, "no new key is started after shutdown begins");
    }

    [Fact]
    public async Task Every_primary_object_is_reconciled_again_at_each_resync()
    {
        var time = new ManualTimeProvider();
        var (parents, _) = Informers();
        var counts = new ConcurrentDictionary<string, int>();
        var controller = new Controller<ConfigMap>("resync", parents, new DelegateReconciler<ConfigMap>((request, _) =>
        {
            counts.AddOrUpdate(request.Name, 1, (_, n) => n + 1);
            return Task.FromResult(ReconcileResult.Done);
        }), FastOptions with { ResyncPeriod = TimeSpan.FromMinutes(10), TimeProvider = time });
        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "a", Namespace = "rag" } });
        await cluster.Client.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "b", Namespace = "rag" } });
        running.Add(controller.RunAsync(stop.Token));
        await Eventually.TrueAsync(() => counts.GetValueOrDefault("a") >= 1 && counts.GetValueOrDefault("b") >= 1, "initial reconciles");
        await Eventually.TrueAsync(() => controller.Queue.Count == 0 && controller.Queue.ProcessingCount == 0, "idle");
        var before = counts.ToDictionary();

        time.Advance(TimeSpan.FromMinutes(10));

        await Eventually.TrueAsync(() => counts["a"] == before["a"] + 1 && counts["b"] == before["b"] + 1, "each object once more");
    }
}
