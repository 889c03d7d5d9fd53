using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Watching;

public sealed record WatcherOptions
{
    /// <summary>Null watches all namespaces (for namespaced kinds).</summary>
    public string? Namespace { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Items per list page when (re)listing.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Each watch asks the server to close after a random time between this and twice this, spreading reconnects.</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Beyond the server-side timeout, how long a silent stream is trusted before the client drops it (half-open TCP).</summary>
    public TimeSpan StreamGrace { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// A watch that never loses or repeats a change (the client-go reflector). It lists, emits ADDED for what exists,
/// then watches from the list's resourceVersion. A dropped or timed-out stream resumes from the last version it
/// saw (bookmarks advance it). When that version is too old (410 Gone, as an HTTP status or an ERROR event) it
/// relists and emits only the differences from what the consumer already has: ADDED for new objects, MODIFIED
/// for changed ones, DELETED for vanished ones. Only ADDED, MODIFIED and DELETED are emitted, and the type is
/// normalised to the consumer's view (an ADDED for a known object becomes MODIFIED; an unchanged version is dropped).
/// </summary>
public sealed class Watcher<T>
    where T : class, IKubernetesObject
{
    private readonly IKubernetesClient client;
    private readonly WatcherOptions options;
    private readonly ILogger logger;
    private readonly Dictionary<string, T> known = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int relists;
    private int resumes;

    public Watcher(IKubernetesClient client, WatcherOptions? options = null, ILogger? logger = null)
    {
        this.client = client;
        this.options = options ?? new WatcherOptions();
        this.logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The last resourceVersion seen (from a list, an event or a bookmark).</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>True once every object of the initial list has been handed to the consumer.</summary>
    public bool HasSynced => synced.Task.IsCompleted;

    /// <summary>Relists caused by 410 Gone.</summary>
    public int Relists => Volatile.Read(ref relists);

    /// <summary>Watches re-opened from the last seen version after the stream ended or failed.</summary>
    public int Resumes => Volatile.Read(ref resumes);

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => synced.Task.WaitAsync(cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then ends without throwing.</summary>
    public async IAsyncEnumerable<WatchEvent<T>> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.InitialBackoff, options.MaxBackoff);
        var needList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (needList)
            {
                var listed = await ListWithRetryAsync(backoff, cancellationToken);
                if (listed is null) yield break;
                foreach (var change in Diff(listed.Value.Items)) yield return change;
                ResourceVersion = listed.Value.ResourceVersion;
                needList = false;
                // Reached when the consumer asks for the next event, i.e. after it handled every listed object.
                synced.TrySetResult();
            }

            var timeout = TimeSpan.FromSeconds(options.MinWatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
            using var streamDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            streamDeadline.CancelAfter(timeout + options.StreamGrace);
            var watchOptions = new WatchOptions
            {
                ResourceVersion = ResourceVersion,
                LabelSelector = options.LabelSelector,
                FieldSelector = options.FieldSelector,
                AllowWatchBookmarks = true,
                TimeoutSeconds = (int)Math.Max(1, timeout.TotalSeconds),
            };

            var received = 0;
            Exception? failure = null;
            var stream = client.WatchAsync<T>(options.Namespace, watchOptions, streamDeadline.Token).GetAsyncEnumerator(streamDeadline.Token);
            try
            {
                while (true)
                {
                    var (hasNext, error) = await MoveNextAsync(stream);
                    if (error is not null)
                    {
                        failure = error;
                        break;
                    }
                    if (!hasNext) break;
                    received++;
                    if (Apply(stream.Current) is { } change) yield return change;
                }
            }
            finally
            {
                await DisposeQuietlyAsync(stream);
            }
            if (cancellationToken.IsCancellationRequested) yield break;

            switch (failure)
            {
                case GoneException:
                    logger.LogInformation("Watch of {Kind} at version {Version} expired (410 Gone); relisting", typeof(T).Name, ResourceVersion);
                    Interlocked.Increment(ref relists);
                    needList = true;
                    break;
                case null or OperationCanceledException:
                    // Server-side timeout, a closed connection, or our own stream deadline: resume where we were.
                    Interlocked.Increment(ref resumes);
                    if (received > 0) backoff.Reset();
                    else await DelayAsync(backoff.Next(), cancellationToken);
                    break;
                default:
                    logger.LogWarning(failure, "Watch of {Kind} failed; resuming from version {Version}", typeof(T).Name, ResourceVersion);
                    Interlocked.Increment(ref resumes);
                    if (received > 0) backoff.Reset();
                    await DelayAsync(backoff.Next(), cancellationToken);
                    break;
            }
        }
    }

    private WatchEvent<T>? Apply(WatchEvent<T> watchEvent)
    {
        var obj = watchEvent.Object;
        var version = obj.Metadata.ResourceVersion;
        if (watchEvent.Type == WatchEventType.Bookmark)
        {
            if (!string.IsNullOrEmpty(version)) ResourceVersion = version;
            return null;
        }
        if (!string.IsNullOrEmpty(version)) ResourceVersion = version;
        var key = KeyOf(obj);
        if (watchEvent.Type == WatchEventType.Deleted)
            return known.Remove(key) ? new WatchEvent<T>(WatchEventType.Deleted, obj) : null;

        if (known.TryGetValue(key, out var previous))
        {
            if (previous.Metadata.ResourceVersion == version) return null;
            known[key] = obj;
            return new WatchEvent<T>(WatchEventType.Modified, obj);
        }
        known[key] = obj;
        return new WatchEvent<T>(WatchEventType.Added, obj);
    }

    /// <summary>The changes that turn the consumer's view into <paramref name="items"/>.</summary>
    private List<WatchEvent<T>> Diff(IReadOnlyList<T> items)
    {
        var changes = new List<WatchEvent<T>>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var key = KeyOf(item);
            present.Add(key);
            if (!known.TryGetValue(key, out var previous)) changes.Add(new WatchEvent<T>(WatchEventType.Added, item));
            else if (previous.Metadata.ResourceVersion != item.Metadata.ResourceVersion) changes.Add(new WatchEvent<T>(WatchEventType.Modified, item));
            known[key] = item;
        }
        foreach (var key in known.Keys.Where(k => !present.Contains(k)).ToList())
        {
            changes.Add(new WatchEvent<T>(WatchEventType.Deleted, known[key]));
            known.Remove(key);
        }
        return changes;
    }

    private async Task<(IReadOnlyList<T> Items, string? ResourceVersion)?> ListWithRetryAsync(Backoff backoff, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var items = new List<T>();
                string? version = null;
                var page = new ListOptions { LabelSelector = options.LabelSelector, FieldSelector = options.FieldSelector, Limit = options.PageSize };
                while (true)
                {
                    var list = await client.ListAsync<T>(options.Namespace, page, cancellationToken);
                    // All pages of one list are the same snapshot; the first page's version is the snapshot's.
                    version ??= list.Metadata.ResourceVersion;
                    items.AddRange(list.Items);
                    if (string.IsNullOrEmpty(list.Metadata.Continue)) break;
                    page = page with { Continue = list.Metadata.Continue };
                }
                backoff.Reset();
                return (items, version);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or TimeoutException or JsonException)
            {
                // An expired continue token (410) restarts the list too: pages from two snapshots must not mix.
                logger.LogWarning(e, "List of {Kind} failed; retrying", typeof(T).Name);
                await DelayAsync(backoff.Next(), cancellationToken);
            }
        }
        return null;
    }

    private static async Task<(bool HasNext, Exception? Error)> MoveNextAsync(IAsyncEnumerator<WatchEvent<T>> stream)
    {
        try
        {
            return (await stream.MoveNextAsync(), null);
        }
        catch (Exception e)
        {
            return (false, e);
        }
    }

    private static async Task DisposeQuietlyAsync(IAsyncEnumerator<WatchEvent<T>> stream)
    {
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
        {
            // The connection is already broken; nothing to release.
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, options.TimeProvider, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The loop condition ends the run.
        }
    }

    private static string KeyOf(IKubernetesObject obj) => ObjectKey.Of(obj);
}

/// <summary>Exponential backoff with full jitter on the upper half, reset after progress.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private TimeSpan current = initial;
    private readonly TimeSpan first = initial;

    public TimeSpan Next()
    {
        var delay = current;
        current = TimeSpan.FromTicks(Math.Min(max.Ticks, current.Ticks * 2));
        return TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
    }

    public void Reset() => current = first;
}
