using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Resources;
using RagOperator.Kubernetes.Watching;

namespace RagOperator.Kubernetes.Runtime;

public interface IController
{
    string Name { get; }

    /// <summary>The informers whose caches must be synced before the first reconcile.</summary>
    IReadOnlyList<IInformer> Informers { get; }

    Task RunAsync(CancellationToken cancellationToken);
}

public sealed record ControllerOptions
{
    /// <summary>Reconciles running at once (never two for the same key).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Every primary object is re-queued this often, catching drift no watch event reports. Null disables it.</summary>
    public TimeSpan? ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>On shutdown, in-flight reconciles finish; after this long their token is cancelled.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    public IWorkQueueRateLimiter? RateLimiter { get; init; }
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where reconciles and the work queue are measured (the host's registry); null measures nothing.</summary>
    public ControllerMetrics? Metrics { get; init; }
}

/// <summary>
/// Runs an <see cref="IReconciler{T}"/> over a work queue fed by the primary kind's informer, by owned children
/// (through their controller owner reference) and by any mapped kind. Results: Done forgets the key's backoff,
/// RequeueAfter re-adds after a delay, Requeue and exceptions re-add with per-key exponential backoff.
/// </summary>
public sealed class Controller<T> : IController
    where T : class, IKubernetesObject
{
    private readonly Informer<T> primary;
    private readonly IReconciler<T> reconciler;
    private readonly ControllerOptions options;
    private readonly ILogger logger;
    private readonly List<IInformer> informers = [];
    private readonly ResourceType resource;
    private readonly string[] labels;
    private int started;

    public Controller(string name, Informer<T> primary, IReconciler<T> reconciler, ControllerOptions? options = null, ILogger? logger = null)
    {
        Name = name;
        this.primary = primary;
        this.reconciler = reconciler;
        this.options = options ?? new ControllerOptions();
        this.logger = logger ?? NullLogger.Instance;
        resource = ResourceTypes.For<T>();
        labels = [name, resource.Kind];
        Queue = new WorkQueue(name, this.options.RateLimiter, this.options.TimeProvider, this.options.Metrics);
        informers.Add(primary);
        primary.AddEventHandler(
            onAdd: obj => Queue.Add(ObjectKey.Of(obj)),
            onUpdate: (_, obj) => Queue.Add(ObjectKey.Of(obj)),
            onDelete: obj => Queue.Add(ObjectKey.Of(obj)));
    }

    public string Name { get; }
    public WorkQueue Queue { get; }
    public IReadOnlyList<IInformer> Informers => informers;

    /// <summary>Reconcile the owner whenever a child it controls (ownerReference with controller: true) changes.</summary>
    public Controller<T> Owns<TChild>(Informer<TChild> children)
        where TChild : class, IKubernetesObject
    {
        informers.Add(children);
        children.AddEventHandler(
            onAdd: child => EnqueueOwner(child),
            onUpdate: (old, child) =>
            {
                EnqueueOwner(old);
                EnqueueOwner(child);
            },
            onDelete: child => EnqueueOwner(child));
        return this;
    }

    /// <summary>Reconcile whatever <paramref name="map"/> names whenever an object of another kind changes.</summary>
    public Controller<T> Watches<TOther>(Informer<TOther> other, Func<TOther, IEnumerable<ReconcileRequest>> map)
        where TOther : class, IKubernetesObject
    {
        informers.Add(other);
        void Enqueue(TOther obj)
        {
            foreach (var request in map(obj)) Queue.Add(request.Key);
        }
        other.AddEventHandler(onAdd: Enqueue, onUpdate: (old, obj) =>
        {
            Enqueue(old);
            Enqueue(obj);
        }, onDelete: Enqueue);
        return this;
    }

    /// <summary>
    /// Waits for the caches, then reconciles until cancelled; then stops taking keys, lets in-flight reconciles
    /// finish (cancelling them after the grace period) and returns.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref started, 1) == 1) throw new InvalidOperationException($"controller {Name} already ran");
        try
        {
            await Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Queue.ShutDown();
            return;
        }

        // The resync clock starts before any reconcile, so a period always counts from the start.
        using var resyncTimer = options.ResyncPeriod is { } period && period > TimeSpan.Zero ? new PeriodicTimer(period, options.TimeProvider) : null;

        // Reconcile everything once on start: a new leader must not trust that its predecessor finished.
        foreach (var key in primary.Keys()) Queue.Add(key);
        logger.LogInformation("Controller {Controller} started with {Workers} workers", Name, options.Workers);

        using var reconcileCancellation = new CancellationTokenSource();
        var workers = Enumerable.Range(0, Math.Max(1, options.Workers))
            .Select(_ => Task.Run(() => WorkerAsync(reconcileCancellation.Token), CancellationToken.None))
            .ToList();
        var resync = ResyncAsync(resyncTimer, cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Shutdown requested.
        }

        Queue.ShutDown();
        reconcileCancellation.CancelAfter(options.ShutdownGracePeriod);
        await Task.WhenAll(workers);
        await resync;
        Queue.Dispose();
        logger.LogInformation("Controller {Controller} stopped", Name);
    }

    private async Task WorkerAsync(CancellationToken cancellationToken)
    {
        // The queue's shutdown (not the reconcile token) ends the loop: in-flight work drains first.
        while (await Queue.GetAsync(CancellationToken.None) is { } key)
        {
            try
            {
                await ReconcileAsync(key, cancellationToken);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    private async Task ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        string outcome;
        try
        {
            var result = await reconciler.ReconcileAsync(ReconcileRequest.FromKey(key), cancellationToken);
            if (result.After is { } delay)
            {
                Queue.Forget(key);
                Queue.AddAfter(key, delay);
                outcome = "requeue_after";
            }
            else if (result.WithBackoff)
            {
                Queue.AddRateLimited(key);
                outcome = "requeue";
            }
            else
            {
                Queue.Forget(key);
                outcome = "success";
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
        catch (Exception e)
        {
            outcome = "error";
            options.Metrics?.ReconcileErrors.WithLabels(labels).Inc();
            Queue.AddRateLimited(key);
            logger.LogError(e, "Reconcile of {Kind} {Key} failed (attempt {Attempt}); retrying with backoff", resource.Kind, key, Queue.NumRequeues(key));
        }
        if (options.Metrics is { } metrics)
        {
            metrics.ReconcileDuration.WithLabels(labels).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            metrics.Reconciles.WithLabels(labels[0], labels[1], outcome).Inc();
        }
    }

    private async Task ResyncAsync(PeriodicTimer? timer, CancellationToken cancellationToken)
    {
        if (timer is null) return;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var key in primary.Keys()) Queue.Add(key);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
    }

    private void EnqueueOwner(IKubernetesObject child)
    {
        var owner = child.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        if (owner is null || !resource.Matches(owner.ApiVersion, owner.Kind)) return;
        Queue.Add(ObjectKey.Of(resource.Namespaced ? child.Metadata.Namespace : null, owner.Name));
    }
}
