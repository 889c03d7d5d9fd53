using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RagOperator.Kubernetes.Client;
using RagOperator.Kubernetes.Models;

namespace RagOperator.Kubernetes.Events;

/// <summary>Records events.k8s.io/v1 Events about objects; reconcilers depend on this seam.</summary>
public interface IEventRecorder
{
    /// <summary>Records (or aggregates) an event. Never throws for API failures: events are best-effort.</summary>
    Task RecordAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken = default);
}

public static class EventRecorderExtensions
{
    public static Task NormalAsync(this IEventRecorder recorder, IKubernetesObject regarding, string reason, string action, string note, CancellationToken cancellationToken = default) =>
        recorder.RecordAsync(regarding, Event.Normal, reason, action, note, cancellationToken);

    public static Task WarningAsync(this IEventRecorder recorder, IKubernetesObject regarding, string reason, string action, string note, CancellationToken cancellationToken = default) =>
        recorder.RecordAsync(regarding, Event.Warning, reason, action, note, cancellationToken);
}

public sealed record EventRecorderOptions
{
    /// <summary>For example <c>ragoperator.io/operator</c>.</summary>
    public required string ReportingController { get; init; }

    /// <summary>This replica, for example the pod name.</summary>
    public required string ReportingInstance { get; init; }

    /// <summary>A repeat within this time of the previous occurrence updates the same Event's series.</summary>
    public TimeSpan SeriesWindow { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>Writes allowed at once per regarding object (client-go's spam filter uses 25).</summary>
    public int Burst { get; init; } = 25;

    /// <summary>One more write per object is allowed after each interval (client-go: five minutes).</summary>
    public TimeSpan RefillInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Aggregation entries kept; the least recently seen are forgotten first.</summary>
    public int CacheSize { get; init; } = 4096;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// Writes Events aggregated the events.k8s.io way: the first occurrence creates an Event; a repeat (same object,
/// type, reason, action and note) within <see cref="EventRecorderOptions.SeriesWindow"/> updates that Event's
/// <c>series</c> (count, lastObservedTime) with a merge patch instead of creating another. A per-object token
/// bucket bounds the writes; a suppressed repeat is still counted and lands with the next permitted write or
/// <see cref="FlushAsync"/>.
/// </summary>
public sealed class EventRecorder(IKubernetesClient client, EventRecorderOptions options, ILogger? logger = null) : IEventRecorder, IDisposable
{
    private const int MaxNoteLength = 1024;
    private readonly ILogger logger = logger ?? NullLogger.Instance;
    private readonly TimeProvider time = options.TimeProvider;
    private readonly Dictionary<string, Series> series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bucket> buckets = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim writes = new(1, 1);

    /// <summary>Writes to the API server that were skipped by the rate limit (for tests and diagnostics).</summary>
    public int Suppressed { get; private set; }

    public async Task RecordAsync(IKubernetesObject regarding, string type, string reason, string action, string note, CancellationToken cancellationToken = default)
    {
        if (note.Length > MaxNoteLength) note = note[..MaxNoteLength];
        var objectKey = regarding.Metadata.Uid ?? $"{regarding.ApiVersion}/{regarding.Kind}/{regarding.Metadata.Namespace}/{regarding.Metadata.Name}";
        var key = string.Join('\u001f', objectKey, type, reason, action, note);

        await writes.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (!series.TryGetValue(key, out var entry) || now - entry.LastObserved > options.SeriesWindow)
            {
                entry = new Series(ObjectReference.For(regarding), type, reason, action, note, now);
                series[key] = entry;
                Evict();
            }
            else
            {
                entry.Count++;
                entry.LastObserved = now;
            }

            if (!TryTake(objectKey, now))
            {
                Suppressed++;
                return;
            }
            await WriteAsync(entry, cancellationToken);
        }
        finally
        {
            writes.Release();
        }
    }

    /// <summary>Writes every series whose count moved since it was last written (call on shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await writes.WaitAsync(cancellationToken);
        try
        {
            foreach (var entry in series.Values.Where(s => s.WrittenCount != s.Count).ToList()) await WriteAsync(entry, cancellationToken);
        }
        finally
        {
            writes.Release();
        }
    }

    public void Dispose() => writes.Dispose();

    private async Task WriteAsync(Series entry, CancellationToken cancellationToken)
    {
        try
        {
            if (entry.EventName is not null)
            {
                try
                {
                    var patch = new JsonObject
                    {
                        ["series"] = new JsonObject
                        {
                            ["count"] = entry.Count,
                            ["lastObservedTime"] = JsonValue.Create(MicroTime(entry.LastObserved)),
                        },
                    };
                    await client.PatchAsync<Event>(entry.EventName, entry.Namespace, KubernetesPatch.Merge(patch), cancellationToken);
                    entry.WrittenCount = entry.Count;
                    return;
                }
                catch (NotFoundException)
                {
                    // Events expire (one hour by default); start a new one carrying the count so far.
                    entry.EventName = null;
                }
            }
            // client-go names events <object>.<unix nanos in hex>; a random suffix keeps two series started in the same tick apart.
            var nanos = (entry.FirstObserved.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
            var name = $"{entry.Regarding.Name}.{nanos.ToString("x", CultureInfo.InvariantCulture)}{Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture)}";
            await client.CreateAsync(new Event
            {
                Metadata = new ObjectMeta { Name = name, Namespace = entry.Namespace },
                EventTime = entry.FirstObserved,
                Series = entry.Count > 1 ? new EventSeries { Count = entry.Count, LastObservedTime = entry.LastObserved } : null,
                ReportingController = options.ReportingController,
                ReportingInstance = options.ReportingInstance,
                Action = entry.Action,
                Reason = entry.Reason,
                Regarding = entry.Regarding,
                Note = entry.Note,
                Type = entry.Type,
            }, cancellationToken);
            entry.EventName = name;
            entry.WrittenCount = entry.Count;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Name}", entry.Reason, entry.Regarding.Kind, entry.Regarding.Name);
        }
    }

    private bool TryTake(string objectKey, DateTimeOffset now)
    {
        if (!buckets.TryGetValue(objectKey, out var bucket))
        {
            bucket = new Bucket { Tokens = options.Burst, Last = now };
            buckets[objectKey] = bucket;
        }
        var refill = options.RefillInterval <= TimeSpan.Zero ? options.Burst : (now - bucket.Last) / options.RefillInterval;
        bucket.Tokens = Math.Min(options.Burst, bucket.Tokens + refill);
        bucket.Last = now;
        if (bucket.Tokens < 1) return false;
        bucket.Tokens -= 1;
        return true;
    }

    private void Evict()
    {
        if (series.Count <= options.CacheSize) return;
        var oldest = series.MinBy(s => s.Value.LastObserved);
        series.Remove(oldest.Key);
        if (buckets.Count > options.CacheSize)
        {
            var stale = buckets.MinBy(b => b.Value.Last);
            buckets.Remove(stale.Key);
        }
    }

    private static string MicroTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class Series(ObjectReference regarding, string type, string reason, string action, string note, DateTimeOffset now)
    {
        public ObjectReference Regarding { get; } = regarding;
        public string Namespace { get; } = string.IsNullOrEmpty(regarding.Namespace) ? "default" : regarding.Namespace;
        public string Type { get; } = type;
        public string Reason { get; } = reason;
        public string Action { get; } = action;
        public string Note { get; } = note;
        public DateTimeOffset FirstObserved { get; } = now;
        public DateTimeOffset LastObserved { get; set; } = now;
        public int Count { get; set; } = 1;
        public int WrittenCount { get; set; }
        public string? EventName { get; set; }
    }

    private sealed class Bucket
    {
        public double Tokens { get; set; }
        public DateTimeOffset Last { get; set; }
    }
}
