using System.Collections.Concurrent;

namespace RagOperator.InProcess.Kubernetes;

/// <summary>One request the server answered, for test assertions.</summary>
/// <param name="Verb">get, list, watch, create, update, patch, delete, deletecollection (or "discovery").</param>
/// <param name="Resource">"plural.group" or the core plural; empty for non-resource paths.</param>
/// <param name="Namespace">Namespace of the request, if any.</param>
/// <param name="Name">Object name, if any.</param>
/// <param name="Subresource">"status", if any.</param>
/// <param name="StatusCode">HTTP status returned.</param>
/// <param name="Committed">Whether the request changed storage.</param>
public sealed record RequestRecord(string Verb, string Resource, string? Namespace, string? Name, string? Subresource, int StatusCode, bool Committed);

/// <summary>Counters and the request log the server keeps for assertions, and the open watches it can cut.</summary>
internal sealed class ServerActivity
{
    private const int LogLimit = 10_000;
    private readonly ConcurrentQueue<RequestRecord> log = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> openWatches = new();
    private long writeCount;
    private long mutatingCount;
    private long nextWatchId;

    public long WriteCount => Interlocked.Read(ref writeCount);

    public long MutatingRequestCount => Interlocked.Read(ref mutatingCount);

    public int OpenWatchCount => openWatches.Count;

    public IReadOnlyList<RequestRecord> Requests => [.. log];

    public void Record(RequestRecord record, bool mutating)
    {
        if (mutating && record.StatusCode < 300)
        {
            Interlocked.Increment(ref mutatingCount);
            if (record.Committed)
            {
                Interlocked.Increment(ref writeCount);
            }
        }

        log.Enqueue(record);
        while (log.Count > LogLimit && log.TryDequeue(out _))
        {
        }
    }

    public (long Id, CancellationTokenSource Drop) OpenWatch()
    {
        var id = Interlocked.Increment(ref nextWatchId);
        var drop = new CancellationTokenSource();
        openWatches[id] = drop;
        return (id, drop);
    }

    public void CloseWatch(long id)
    {
        if (openWatches.TryRemove(id, out var drop))
        {
            drop.Dispose();
        }
    }

    public void DropOpenWatches()
    {
        foreach (var (_, drop) in openWatches)
        {
            try
            {
                drop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The watch ended on its own meanwhile.
            }
        }
    }
}
