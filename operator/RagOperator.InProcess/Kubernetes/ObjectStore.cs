using System.Text.Json.Nodes;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>
/// The server's storage, in the role etcd plays for the real API server: objects by resource, namespace and
/// name; one global, increasing resourceVersion; an event history (the "watch window") that
/// <see cref="Compact"/> or the history limit truncates; and the open watches. Committed objects are frozen
/// and never mutated: every change stores a new tree.
/// </summary>
/// <remarks>
/// Public members are for test assertions; they return deep copies. Resources are named as
/// "plural.group" ("statefulsets.apps", "vectorcollections.ragoperator.io") or just the plural for the core
/// group ("pods").
/// </remarks>
public sealed class ObjectStore
{
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObjectKey> byUid = new(StringComparer.Ordinal);
    private readonly List<StoreEvent> history = [];
    private readonly List<WatchSubscription> watchers = [];
    private readonly Dictionary<string, long> writesPerResource = new(StringComparer.Ordinal);
    private readonly int historyLimit;
    private long resourceVersion;
    private long compactedRevision;

    internal ObjectStore(int historyLimit, long initialResourceVersion = 0)
    {
        this.historyLimit = Math.Max(16, historyLimit);
        resourceVersion = initialResourceVersion;
        compactedRevision = initialResourceVersion;
    }

    internal Lock Sync { get; } = new();

    /// <summary>The latest committed resourceVersion.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (Sync)
            {
                return resourceVersion;
            }
        }
    }

    /// <summary>The oldest version still in the watch window: watches and exact lists from before it get 410 Gone.</summary>
    public long CompactedResourceVersion
    {
        get
        {
            lock (Sync)
            {
                return compactedRevision;
            }
        }
    }

    /// <summary>A copy of one object, or null.</summary>
    public JsonObject? Get(string resource, string? @namespace, string name)
    {
        lock (Sync)
        {
            return Find(new ObjectKey(resource, @namespace, name)) is { } found ? JsonTree.Clone(found) : null;
        }
    }

    /// <summary>Copies of the objects of a resource (in one namespace, or all), in storage order.</summary>
    public IReadOnlyList<JsonObject> List(string resource, string? @namespace = null)
    {
        lock (Sync)
        {
            return Items(resource)
                .Where(o => @namespace is null || Meta.Namespace(o) == @namespace)
                .Select(JsonTree.Clone)
                .ToList();
        }
    }

    public int Count(string resource, string? @namespace = null)
    {
        lock (Sync)
        {
            return Items(resource).Count(o => @namespace is null || Meta.Namespace(o) == @namespace);
        }
    }

    /// <summary>How many committed changes (creates, updates, deletes, by anyone) a resource has seen.</summary>
    public long CommitsTo(string resource)
    {
        lock (Sync)
        {
            return writesPerResource.GetValueOrDefault(resource);
        }
    }

    /// <summary>Drops the event history: a watch or exact list from an older version now gets 410 Gone.</summary>
    public void Compact()
    {
        lock (Sync)
        {
            history.Clear();
            compactedRevision = resourceVersion;
        }
    }

    internal JsonObject? Find(ObjectKey key) =>
        objects.TryGetValue(key.Resource, out var items) && items.TryGetValue(key.SortKey, out var found) ? found : null;

    internal (ObjectKey Key, JsonObject Object)? FindByUid(string uid) =>
        byUid.TryGetValue(uid, out var key) && Find(key) is { } found ? (key, found) : null;

    internal IEnumerable<JsonObject> Items(string resource) =>
        objects.TryGetValue(resource, out var items) ? items.Values : [];

    internal IEnumerable<string> Resources => objects.Keys;

    internal long CurrentVersion => resourceVersion;

    /// <summary>
    /// Commits a change under the lock (the caller holds it): stamps the next resourceVersion, stores or
    /// removes the object, records the event and offers it to every watcher.
    /// </summary>
    internal StoreEvent Commit(ObjectKey key, JsonObject obj, WatchEventType type)
    {
        var previous = Find(key);
        var version = ++resourceVersion;
        Meta.Of(obj)["resourceVersion"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        JsonTree.Freeze(obj);

        if (type == WatchEventType.Deleted)
        {
            objects[key.Resource].Remove(key.SortKey);
            if (Meta.Uid(obj) is { } uid)
            {
                byUid.Remove(uid);
            }
        }
        else
        {
            if (!objects.TryGetValue(key.Resource, out var items))
            {
                items = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
                objects[key.Resource] = items;
            }

            items[key.SortKey] = obj;
            if (Meta.Uid(obj) is { } uid)
            {
                byUid[uid] = key;
            }
        }

        writesPerResource[key.Resource] = writesPerResource.GetValueOrDefault(key.Resource) + 1;
        var storeEvent = new StoreEvent(version, type, key, obj, previous);
        history.Add(storeEvent);
        if (history.Count > historyLimit)
        {
            // Like etcd's periodic compaction: the oldest tenth of the window goes at once.
            var drop = historyLimit / 10;
            compactedRevision = history[drop - 1].ResourceVersion;
            history.RemoveRange(0, drop);
        }

        foreach (var watcher in watchers)
        {
            watcher.Offer(storeEvent);
        }

        return storeEvent;
    }

    /// <summary>
    /// Registers a watcher (caller holds the lock). With a start version, replays the history after it; without,
    /// first offers the current state as ADDED events. Returns false when the start version was compacted away.
    /// </summary>
    internal bool Subscribe(WatchSubscription watcher, string resource, long? fromVersion, Func<JsonObject, bool> initialFilter, bool markInitialEnd)
    {
        if (fromVersion is { } from)
        {
            if (from < compactedRevision)
            {
                return false;
            }

            foreach (var storeEvent in history)
            {
                if (storeEvent.ResourceVersion > from)
                {
                    watcher.Offer(storeEvent);
                }
            }

            watcher.StartAt(Math.Max(from, resourceVersion));
        }
        else
        {
            foreach (var obj in Items(resource).Where(initialFilter))
            {
                watcher.OfferSynthetic(new WatchMessage("ADDED", obj, long.Parse(Meta.ResourceVersion(obj)!, System.Globalization.CultureInfo.InvariantCulture)));
            }

            watcher.StartAt(resourceVersion);
            if (markInitialEnd)
            {
                watcher.OfferSynthetic(new WatchMessage("BOOKMARK", null, resourceVersion, InitialEventsEnd: true));
            }
        }

        watchers.Add(watcher);
        return true;
    }

    internal void Unsubscribe(WatchSubscription watcher)
    {
        lock (Sync)
        {
            watchers.Remove(watcher);
        }

        watcher.Complete();
    }

    /// <summary>Offers a bookmark carrying the version the watcher has been offered everything up to.</summary>
    internal void Bookmark(WatchSubscription watcher)
    {
        lock (Sync)
        {
            watcher.OfferSynthetic(new WatchMessage("BOOKMARK", null, Math.Max(watcher.ProgressResourceVersion, 0)));
        }
    }

    /// <summary>
    /// The objects of a resource as they were at <paramref name="version"/> (caller holds the lock), rebuilt by
    /// undoing the history after it. Null when that version has been compacted away.
    /// </summary>
    internal SortedDictionary<string, JsonObject>? SnapshotAt(string resource, long version)
    {
        if (version < compactedRevision)
        {
            return null;
        }

        var snapshot = new SortedDictionary<string, JsonObject>(
            objects.TryGetValue(resource, out var items) ? items : new SortedDictionary<string, JsonObject>(StringComparer.Ordinal),
            StringComparer.Ordinal);
        for (var i = history.Count - 1; i >= 0 && history[i].ResourceVersion > version; i--)
        {
            var change = history[i];
            if (change.Key.Resource != resource)
            {
                continue;
            }

            if (change.Previous is null)
            {
                snapshot.Remove(change.Key.SortKey);
            }
            else
            {
                snapshot[change.Key.SortKey] = change.Previous;
            }
        }

        return snapshot;
    }

    /// <summary>Closes every open watch (the connection drops, as when an API server restarts).</summary>
    internal void CloseAllWatches()
    {
        List<WatchSubscription> open;
        lock (Sync)
        {
            open = [.. watchers];
            watchers.Clear();
        }

        foreach (var watcher in open)
        {
            watcher.Complete();
        }
    }
}
