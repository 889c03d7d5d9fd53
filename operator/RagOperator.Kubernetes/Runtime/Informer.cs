using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;
using RagOperator.Kubernetes.Watching;

namespace RagOperator.Kubernetes.Runtime;

/// <summary>A cache of one kind kept current by list-then-watch; the controller runtime's view of the cluster.</summary>
public interface IInformer
{
    /// <summary>The model type's name, for logs and health reports.</summary>
    string Name { get; }
    bool HasSynced { get; }
    Task WaitForSyncAsync(CancellationToken cancellationToken);
    Task RunAsync(CancellationToken cancellationToken);
}

public sealed record InformerOptions
{
    /// <summary>Null caches all namespaces.</summary>
    public string? Namespace { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    public WatcherOptions? Watcher { get; init; }
}

/// <summary>Callbacks for cache changes. They run on the informer's loop, one at a time, and must be quick (enqueue, don't reconcile).</summary>
public sealed record InformerEventHandler<T>(Action<T>? OnAdd = null, Action<T, T>? OnUpdate = null, Action<T>? OnDelete = null);

/// <summary>
/// Lists then watches one kind through a <see cref="Watcher{T}"/>, keeping a thread-safe cache keyed by
/// <c>namespace/name</c> with secondary indexes (by owner UID is built in). Readers get deep copies, so nothing
/// a reconciler does can corrupt the cache; handlers receive the cached instances and must not mutate them.
/// A handler added late first receives an OnAdd for every cached object.
/// </summary>
public sealed class Informer<T> : IInformer
    where T : class, IKubernetesObject
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, T> items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> indexes = new(StringComparer.Ordinal);
    private readonly List<InformerEventHandler<T>> handlers = [];
    private readonly Watcher<T> watcher;
    private readonly ILogger logger;
    private int running;

    public Informer(IKubernetesClient client, InformerOptions? options = null, ILogger? logger = null)
    {
        options ??= new InformerOptions();
        this.logger = logger ?? NullLogger.Instance;
        watcher = new Watcher<T>(client, (options.Watcher ?? new WatcherOptions()) with
        {
            Namespace = options.Namespace,
            LabelSelector = options.LabelSelector,
            FieldSelector = options.FieldSelector,
        }, this.logger);
        AddIndexer(Indexes.ByOwnerUid, Indexes.OwnerUids);
    }

    public string Name => typeof(T).Name;
    public bool HasSynced => watcher.HasSynced;

    /// <summary>The watcher underneath, for diagnostics (resumes, relists, last resourceVersion).</summary>
    public Watcher<T> Watcher => watcher;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => watcher.WaitForSyncAsync(cancellationToken);

    /// <summary>Adds a named index; existing items are indexed at once.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> index)
    {
        lock (gate)
        {
            if (!indexers.TryAdd(name, index)) throw new InvalidOperationException($"index '{name}' already exists");
            indexes[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (key, item) in items) IndexLocked(name, index, key, item);
        }
    }

    public void AddEventHandler(InformerEventHandler<T> handler)
    {
        lock (gate)
        {
            handlers.Add(handler);
            foreach (var item in items.Values) Invoke(() => handler.OnAdd?.Invoke(item));
        }
    }

    public void AddEventHandler(Action<T>? onAdd = null, Action<T, T>? onUpdate = null, Action<T>? onDelete = null) =>
        AddEventHandler(new InformerEventHandler<T>(onAdd, onUpdate, onDelete));

    public T? Get(string? @namespace, string name) => Get(ObjectKey.Of(@namespace, name));

    public T? Get(string key)
    {
        lock (gate) return items.TryGetValue(key, out var item) ? KubernetesJson.Clone(item) : null;
    }

    public IReadOnlyList<T> List()
    {
        lock (gate) return items.Values.Select(KubernetesJson.Clone).ToList();
    }

    public IReadOnlyList<T> List(string @namespace)
    {
        lock (gate) return items.Values.Where(i => i.Metadata.Namespace == @namespace).Select(KubernetesJson.Clone).ToList();
    }

    public IReadOnlyList<string> Keys()
    {
        lock (gate) return items.Keys.ToList();
    }

    public int Count
    {
        get
        {
            lock (gate) return items.Count;
        }
    }

    /// <summary>Items whose index function produced <paramref name="value"/>, e.g. the children of an owner UID.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (gate)
        {
            if (!indexes.TryGetValue(indexName, out var index)) throw new InvalidOperationException($"no index '{indexName}'");
            return index.TryGetValue(value, out var keys) ? keys.Select(k => KubernetesJson.Clone(items[k])).ToList() : [];
        }
    }

    /// <summary>Runs the list-watch loop until cancelled. One run per informer.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref running, 1) == 1) throw new InvalidOperationException($"informer {Name} is already running");
        try
        {
            await foreach (var change in watcher.RunAsync(cancellationToken)) Apply(change);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }

    private void Apply(WatchEvent<T> change)
    {
        var key = ObjectKey.Of(change.Object);
        lock (gate)
        {
            items.TryGetValue(key, out var old);
            if (old is not null) UnindexLocked(key, old);
            if (change.Type == WatchEventType.Deleted)
            {
                items.Remove(key);
                foreach (var handler in handlers) Invoke(() => handler.OnDelete?.Invoke(change.Object));
                return;
            }
            items[key] = change.Object;
            foreach (var (name, index) in indexers) IndexLocked(name, index, key, change.Object);
            foreach (var handler in handlers)
            {
                if (old is null) Invoke(() => handler.OnAdd?.Invoke(change.Object));
                else Invoke(() => handler.OnUpdate?.Invoke(old, change.Object));
            }
        }
    }

    private void IndexLocked(string name, Func<T, IEnumerable<string>> index, string key, T item)
    {
        var values = indexes[name];
        foreach (var value in index(item))
        {
            if (!values.TryGetValue(value, out var keys)) values[value] = keys = new HashSet<string>(StringComparer.Ordinal);
            keys.Add(key);
        }
    }

    private void UnindexLocked(string key, T item)
    {
        foreach (var (name, index) in indexers)
        {
            var values = indexes[name];
            foreach (var value in index(item))
            {
                if (values.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0) values.Remove(value);
            }
        }
    }

    private void Invoke(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            // A faulty handler must not stop the cache from following the cluster.
            logger.LogError(e, "Informer {Kind} event handler failed", Name);
        }
    }
}

/// <summary>Built-in index names and functions.</summary>
public static class Indexes
{
    public const string ByOwnerUid = "owner-uid";

    public static IEnumerable<string> OwnerUids(IKubernetesObject obj) =>
        obj.Metadata.OwnerReferences?.Select(o => o.Uid).Where(uid => uid.Length > 0) ?? [];
}
