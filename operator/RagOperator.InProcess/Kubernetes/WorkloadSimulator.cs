using System.Threading.Channels;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// Plays the parts of a cluster that make workloads run, against an <see cref="InProcessKubernetesApiServer"/>:
/// the StatefulSet and Deployment controllers (<see cref="StatefulSetSimulation"/>, <see cref="DeploymentSimulation"/>),
/// the scheduler and kubelet (<see cref="SimulatedKubelet"/>: pods Running at 127.0.0.1, Ready after a delay, or
/// unready / failing on request), and the EndpointSlice controller (<see cref="EndpointSliceSimulation"/>).
/// It watches the store and runs a level-triggered pass after every change (and at least every resync interval),
/// writing only what differs — so once everything is settled it writes nothing. Its writes go straight to the
/// API operations: no HTTP, no injected faults, not counted in <see cref="InProcessKubernetesApiServer.WriteCount"/>.
/// </summary>
public sealed class WorkloadSimulator : IAsyncDisposable
{
    private static readonly HashSet<string> Watched =
    [
        "pods", "nodes", "services", "statefulsets.apps", "deployments.apps", "persistentvolumeclaims",
    ];

    private readonly ObjectStore store;
    private readonly WatchSubscription subscription;
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stop = new();
    private readonly SimulatedKubelet kubelet;
    private readonly StatefulSetSimulation statefulSets;
    private readonly DeploymentSimulation deployments;
    private readonly EndpointSliceSimulation endpointSlices;
    private readonly WorkloadSimulatorOptions options;
    private readonly TimeProvider time;
    private readonly Task loop;
    private long passes;

    private WorkloadSimulator(InProcessKubernetesApiServer server, WorkloadSimulatorOptions options)
    {
        this.options = options;
        time = server.Options.TimeProvider;
        store = server.Store;
        var client = new SimulatorClient(server.Operations);
        kubelet = new SimulatedKubelet(client, options, time);
        statefulSets = new StatefulSetSimulation(client, options);
        deployments = new DeploymentSimulation(client, options, time);
        endpointSlices = new EndpointSliceSimulation(client);
        subscription = new WatchSubscription(change => Watched.Contains(change.Key.Resource) ? new WatchMessage("CHANGE", null, change.ResourceVersion) : null);
        lock (store.Sync)
        {
            store.Subscribe(subscription, "", store.CurrentVersion, _ => false, markInitialEnd: false);
        }

        loop = Task.Run(RunAsync);
    }

    /// <summary>Completed reconcile passes (for tests that want to know the simulator has looked at a change).</summary>
    public long Passes => Interlocked.Read(ref passes);

    /// <summary>Starts simulating workloads on the server until disposed.</summary>
    public static WorkloadSimulator Start(InProcessKubernetesApiServer server, WorkloadSimulatorOptions? options = null) =>
        new(server, options ?? new WorkloadSimulatorOptions());

    /// <summary>Makes a pod (current or future, by name) healthy, unready or failing.</summary>
    public void SetPodHealth(string @namespace, string podName, PodHealth health)
    {
        kubelet.SetHealth(@namespace, podName, health);
        wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Makes a pod (current or future, by name) healthy, unready or failing only while it runs <paramref name="image"/>,
    /// as a release that does not start on that pod: the pod is fine on its old image and fails once replaced.
    /// </summary>
    public void SetPodHealth(string @namespace, string podName, string image, PodHealth health)
    {
        kubelet.SetHealth(@namespace, podName, image, health);
        wake.Writer.TryWrite(true);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        store.Unsubscribe(subscription);
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            DateTimeOffset? nextDue;
            try
            {
                nextDue = Pass();
            }
            catch (ApiStatusException)
            {
                // A write raced with someone else: the next pass sees the new state.
                nextDue = null;
            }

            Interlocked.Increment(ref passes);
            var wait = options.ResyncInterval;
            if (nextDue is { } due)
            {
                var untilDue = due - time.GetUtcNow();
                wait = untilDue < wait ? untilDue : wait;
            }

            if (wait > TimeSpan.Zero)
            {
                await WaitForChangeAsync(wait, token);
            }

            Drain();
        }
    }

    private DateTimeOffset? Pass()
    {
        statefulSets.Reconcile();
        deployments.Reconcile();
        var nextDue = kubelet.Reconcile();
        if (options.ManageEndpointSlices)
        {
            endpointSlices.Reconcile();
        }

        return nextDue;
    }

    private async Task WaitForChangeAsync(TimeSpan wait, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(wait);
        var changed = subscription.Reader.WaitToReadAsync(timeout.Token).AsTask();
        var woken = wake.Reader.WaitToReadAsync(timeout.Token).AsTask();
        try
        {
            await Task.WhenAny(changed, woken);
        }
        finally
        {
            await timeout.CancelAsync();
            await Task.WhenAll(changed, woken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        token.ThrowIfCancellationRequested();
    }

    private void Drain()
    {
        while (subscription.Reader.TryRead(out _))
        {
        }

        while (wake.Reader.TryRead(out _))
        {
        }
    }
}
