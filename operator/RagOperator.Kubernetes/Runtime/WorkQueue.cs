namespace RagOperator.Kubernetes.Runtime;

/// <summary>
/// The controller work queue (client-go semantics). An item is queued at most once however often it is added;
/// an item being processed is never handed to a second worker, and if it is added meanwhile it is queued again
/// when the first worker calls <see cref="Done"/>. Failed items come back after per-item exponential backoff
/// bounded by an overall token bucket (<see cref="AddRateLimited"/>); <see cref="AddAfter"/> delays an item
/// (the earliest requested time wins). <see cref="ShutDown"/> stops handing out items; in-flight ones finish.
/// </summary>
public sealed class WorkQueue : IDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<string> queue = new();
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> queuedAt = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> delayed = new();
    private readonly Dictionary<string, DateTimeOffset> readyAt = new(StringComparer.Ordinal);
    private readonly IWorkQueueRateLimiter rateLimiter;
    private readonly TimeProvider time;
    private readonly ITimer timer;
    private readonly ControllerMetrics? metrics;
    private TaskCompletionSource? itemsAvailable;
    private TaskCompletionSource? drained;
    private bool shuttingDown;

    public WorkQueue(string name, IWorkQueueRateLimiter? rateLimiter = null, TimeProvider? timeProvider = null, ControllerMetrics? metrics = null)
    {
        Name = name;
        time = timeProvider ?? TimeProvider.System;
        this.rateLimiter = rateLimiter ?? WorkQueueRateLimiters.Default(time);
        this.metrics = metrics;
        timer = time.CreateTimer(_ => ReleaseDueItems(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        metrics?.Track(this);
    }

    public string Name { get; }

    /// <summary>Items ready to be handed out (not counting delayed or in-flight ones).</summary>
    public int Count
    {
        get
        {
            lock (gate) return queue.Count;
        }
    }

    /// <summary>Items waiting for their delay to pass.</summary>
    public int DelayedCount
    {
        get
        {
            lock (gate) return readyAt.Count;
        }
    }

    /// <summary>Items handed out and not yet <see cref="Done"/>.</summary>
    public int ProcessingCount
    {
        get
        {
            lock (gate) return processing.Count;
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (gate) return shuttingDown;
        }
    }

    public void Add(string item)
    {
        lock (gate) AddLocked(item);
    }

    /// <summary>Adds the item once <paramref name="delay"/> has passed; an earlier pending time for it is kept.</summary>
    public void AddAfter(string item, TimeSpan delay)
    {
        lock (gate)
        {
            if (shuttingDown) return;
            if (delay <= TimeSpan.Zero)
            {
                AddLocked(item);
                return;
            }
            var due = time.GetUtcNow() + delay;
            if (readyAt.TryGetValue(item, out var existing) && existing <= due) return;
            readyAt[item] = due;
            delayed.Enqueue(item, due);
            ArmTimerLocked();
        }
    }

    /// <summary>Adds the item after its rate-limited backoff (call after a failure).</summary>
    public void AddRateLimited(string item)
    {
        metrics?.QueueRetries.WithLabels(Name).Inc();
        AddAfter(item, rateLimiter.When(item));
    }

    /// <summary>The item succeeded: reset its backoff.</summary>
    public void Forget(string item) => rateLimiter.Forget(item);

    public int NumRequeues(string item) => rateLimiter.NumRequeues(item);

    /// <summary>The next item, or null once the queue is shut down. Call <see cref="Done"/> when finished with it.</summary>
    public async ValueTask<string?> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (shuttingDown) return null;
                if (queue.Count > 0)
                {
                    var item = queue.Dequeue();
                    dirty.Remove(item);
                    processing.Add(item);
                    if (queuedAt.Remove(item, out var since))
                        metrics?.QueueLatency.WithLabels(Name).Observe(time.GetElapsedTime(since).TotalSeconds);
                    return item;
                }
                itemsAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = itemsAvailable.Task;
            }
            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Marks the item finished; if it was added while in flight it is queued again now.</summary>
    public void Done(string item)
    {
        lock (gate)
        {
            processing.Remove(item);
            if (dirty.Contains(item) && !shuttingDown) EnqueueLocked(item);
            if (processing.Count == 0) drained?.TrySetResult();
        }
    }

    /// <summary>Stops handing out items; queued and delayed items are dropped, <see cref="GetAsync"/> returns null.</summary>
    public void ShutDown()
    {
        lock (gate)
        {
            shuttingDown = true;
            queue.Clear();
            dirty.Clear();
            queuedAt.Clear();
            delayed.Clear();
            readyAt.Clear();
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Signal();
        }
    }

    /// <summary>Shuts down and waits until every in-flight item is <see cref="Done"/>.</summary>
    public Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        Task wait;
        lock (gate)
        {
            ShutDown();
            if (processing.Count == 0) return Task.CompletedTask;
            drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = drained.Task;
        }
        return wait.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        ShutDown();
        timer.Dispose();
        metrics?.Untrack(this);
    }

    private void AddLocked(string item)
    {
        if (shuttingDown || !dirty.Add(item)) return;
        metrics?.QueueAdds.WithLabels(Name).Inc();
        // An item in flight is queued again by Done, so two workers never hold it at once.
        if (processing.Contains(item)) return;
        EnqueueLocked(item);
    }

    private void EnqueueLocked(string item)
    {
        queue.Enqueue(item);
        queuedAt[item] = time.GetTimestamp();
        Signal();
    }

    private void Signal()
    {
        itemsAvailable?.TrySetResult();
        itemsAvailable = null;
    }

    private void ReleaseDueItems()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            while (delayed.TryPeek(out var item, out var due) && due <= now)
            {
                delayed.Dequeue();
                // A stale entry: the item was re-scheduled earlier and already released.
                if (!readyAt.TryGetValue(item, out var current) || current != due) continue;
                readyAt.Remove(item);
                AddLocked(item);
            }
            ArmTimerLocked();
        }
    }

    private void ArmTimerLocked()
    {
        while (delayed.TryPeek(out var item, out var due))
        {
            if (readyAt.TryGetValue(item, out var current) && current == due)
            {
                var wait = due - time.GetUtcNow();
                timer.Change(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
                return;
            }
            delayed.Dequeue();
        }
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }
}
