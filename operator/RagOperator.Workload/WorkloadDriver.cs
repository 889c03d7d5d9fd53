using System.Text.Json.Nodes;

namespace RagOperator.Workload;

public sealed record WorkloadOptions
{
    public int Dimension { get; init; } = 384;
    public int Writers { get; init; } = 4;
    public int Searchers { get; init; } = 2;
    /// <summary>Largest number of points in one upsert or delete request.</summary>
    public int MaxBatch { get; init; } = 32;
    public int TopK { get; init; } = 10;
    public int Seed { get; init; } = 42;
    /// <summary>Relative weights of insert, update and delete batches in the mixed phase.</summary>
    public (int Insert, int Update, int Delete) Mix { get; init; } = (5, 3, 2);

    /// <summary>
    /// Ids per writer that are written over and over (upserted, deleted, inserted again), so that the same point is
    /// written many times while its cell moves; 0 for none.
    /// </summary>
    public int HotIds { get; init; }

    /// <summary>Relative weight of a batch of hot-id writes against the <see cref="Mix"/> batches (used when <see cref="HotIds"/> &gt; 0).</summary>
    public int HotWeight { get; init; } = 4;
}

/// <summary>Counts of what the driver did; updated live while it runs.</summary>
public sealed class WorkloadStats
{
    private long searches, failedSearches, writeRequests, failedWriteRequests;

    public long Searches => Interlocked.Read(ref searches);
    public long FailedSearches => Interlocked.Read(ref failedSearches);
    public long WriteRequests => Interlocked.Read(ref writeRequests);
    public long FailedWriteRequests => Interlocked.Read(ref failedWriteRequests);
    public LatencyRecorder SearchLatency { get; } = new();
    public LatencyRecorder WriteLatency { get; } = new();
    /// <summary>The first few failures, so a red run says why.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> FailureSamples { get; } = new();

    internal void Searched(RouterSearchResult result)
    {
        Interlocked.Increment(ref searches);
        SearchLatency.Record(result.Latency);
        if (!result.Succeeded)
        {
            Interlocked.Increment(ref failedSearches);
            Sample($"search: {result.StatusCode} {result.Error}");
        }
    }

    internal void Wrote(RouterCallResult result)
    {
        Interlocked.Increment(ref writeRequests);
        WriteLatency.Record(result.Latency);
        if (!result.Acknowledged)
        {
            Interlocked.Increment(ref failedWriteRequests);
            Sample($"write: {result.StatusCode} {result.Error}");
        }
    }

    private void Sample(string text)
    {
        if (FailureSamples.Count < 20) FailureSamples.Enqueue(text.Length > 300 ? text[..300] : text);
    }
}

/// <summary>
/// Concurrent writers (inserts, updates, deletes) and searchers against the retrieval router, recording every
/// acknowledged and failed write in an <see cref="AckOracle"/>. Ids are partitioned by writer (id mod writers),
/// so each id has one writer and its history is sequential. In-flight requests are never cancelled by
/// <c>stop</c>: a stopped driver finishes the request it has started, so the oracle knows its outcome.
/// </summary>
public sealed class WorkloadDriver(IRouterClient router, AckOracle oracle, WorkloadOptions options)
{
    private readonly WriterState[] writers = Enumerable.Range(0, options.Writers)
        .Select(w => new WriterState(w, options.Writers, options.HotIds, new Random(HashCode.Combine(options.Seed, w)))).ToArray();
    private long sequence;

    public WorkloadStats Stats { get; } = new();
    public AckOracle Oracle => oracle;

    private sealed class WriterState
    {
        private readonly int writerCount;
        private ulong issued;

        public WriterState(int index, int writerCount, int hotIds, Random random)
        {
            Index = index;
            this.writerCount = writerCount;
            Random = random;
            Hot = [.. Enumerable.Range(0, hotIds).Select(_ => NewId())];
        }

        public int Index { get; }
        public Random Random { get; }
        public List<ulong> Live { get; } = [];

        /// <summary>This writer's hot ids: reserved up front, never in <see cref="Live"/>, written only by hot batches.</summary>
        public ulong[] Hot { get; }

        /// <summary>Ids of writer w are w+1, w+1+W, w+1+2W, ...: disjoint across writers; only hot ids are written again after a delete.</summary>
        public ulong NewId() => (ulong)Index + 1 + (issued++ * (ulong)writerCount);
    }

    /// <summary>Inserts <paramref name="points"/> new points, spread over the writers.</summary>
    public async Task LoadAsync(int points, int batch, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        long done = 0;
        await Task.WhenAll(writers.Select(async (writer, w) =>
        {
            var share = points / writers.Length + (w < points % writers.Length ? 1 : 0);
            while (share > 0 && !cancellationToken.IsCancellationRequested)
            {
                var n = Math.Min(batch, share);
                await UpsertAsync(writer, Enumerable.Range(0, n).Select(_ => writer.NewId()).ToList(), isInsert: true);
                share -= n;
                progress?.Invoke(Interlocked.Add(ref done, n));
            }
        }));
    }

    /// <summary>Mixed writes and searches until <paramref name="stop"/> is cancelled or every writer did <paramref name="maxWriteBatches"/> batches.</summary>
    public async Task RunAsync(CancellationToken stop, int maxWriteBatches = int.MaxValue, TimeSpan? searchPause = null)
    {
        // Searchers run for as long as writers do.
        using var searchersDone = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var writing = writers.Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < maxWriteBatches && !stop.IsCancellationRequested; i++) await MixedBatchAsync(writer);
        })).ToList();
        var searching = Enumerable.Range(0, options.Searchers).Select(s => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(options.Seed, "search", s));
            while (!searchersDone.IsCancellationRequested)
            {
                Stats.Searched(await router.SearchAsync(RandomVector(random), options.TopK));
                if (searchPause is { } pause) await Task.Delay(pause, CancellationToken.None);
            }
        })).ToList();
        try
        {
            await Task.WhenAll(writing);
        }
        finally
        {
            await searchersDone.CancelAsync();
            await Task.WhenAll(searching);
        }
    }

    /// <summary>Searches only, for <paramref name="count"/> requests per searcher.</summary>
    public async Task SearchOnlyAsync(int count)
    {
        await Task.WhenAll(Enumerable.Range(0, options.Searchers).Select(s => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(options.Seed, "idle", s));
            for (var i = 0; i < count; i++) Stats.Searched(await router.SearchAsync(RandomVector(random), options.TopK));
        })));
    }

    private async Task MixedBatchAsync(WriterState writer)
    {
        var (insert, update, delete) = options.Mix;
        var hot = writer.Hot.Length > 0 ? options.HotWeight : 0;
        var roll = writer.Random.Next(insert + update + delete + hot);
        if (roll >= insert + update + delete)
        {
            await HotBatchAsync(writer);
            return;
        }

        var size = 1 + writer.Random.Next(options.MaxBatch);
        if (roll < insert || writer.Live.Count < size)
        {
            await UpsertAsync(writer, Enumerable.Range(0, size).Select(_ => writer.NewId()).ToList(), isInsert: true);
        }
        else if (roll < insert + update)
        {
            // Half the updates change only the payload when the client can, so both kinds of update meet migrations.
            if (router is IRouterPayloadClient payloads && writer.Random.Next(2) == 0) await SetPayloadAsync(payloads, PickLive(writer, size));
            else await UpsertAsync(writer, PickLive(writer, size), isInsert: false);
        }
        else
        {
            var ids = PickLive(writer, size);
            if (await DeleteAsync(ids)) writer.Live.RemoveAll(ids.Contains);
        }
    }

    /// <summary>A few hot ids, upserted (inserted again when deleted) or deleted, all in one request.</summary>
    private async Task HotBatchAsync(WriterState writer)
    {
        var count = 1 + writer.Random.Next(Math.Min(4, writer.Hot.Length));
        var ids = writer.Hot.OrderBy(_ => writer.Random.Next()).Take(count).ToList();
        var roll = writer.Random.Next(10);
        if (roll < 7)
        {
            if (roll < 2 && router is IRouterPayloadClient payloads) await SetPayloadAsync(payloads, ids);
            else await UpsertAsync(writer, ids, isInsert: false);
            return;
        }

        await DeleteAsync(ids);
    }

    /// <summary>Sets a new sequence number in the payload of those of the ids that exist, and records the outcome.</summary>
    private async Task SetPayloadAsync(IRouterPayloadClient payloads, List<ulong> ids)
    {
        var seq = Interlocked.Increment(ref sequence);
        var result = await payloads.SetPayloadAsync(ids, new JsonObject { [ShardScanner.SequenceField] = seq });
        Stats.Wrote(result);
        foreach (var id in ids) oracle.PayloadChanged(id, seq, result.Acknowledged);
    }

    /// <summary>Deletes the ids and records the outcome; true when the router acknowledged the delete.</summary>
    private async Task<bool> DeleteAsync(List<ulong> ids)
    {
        var result = await router.DeleteAsync(ids);
        Stats.Wrote(result);
        foreach (var id in ids)
        {
            if (result.Acknowledged) oracle.Acknowledged(id, AckOracle.Absent);
            else oracle.Failed(id, AckOracle.Absent);
        }

        return result.Acknowledged;
    }

    private static List<ulong> PickLive(WriterState writer, int size)
    {
        var picked = new HashSet<ulong>();
        while (picked.Count < size) picked.Add(writer.Live[writer.Random.Next(writer.Live.Count)]);
        return [.. picked];
    }

    private async Task UpsertAsync(WriterState writer, List<ulong> ids, bool isInsert)
    {
        var points = ids.Select(id =>
        {
            var seq = Interlocked.Increment(ref sequence);
            return new RouterPoint(id, RandomVector(writer.Random), new JsonObject
            {
                [ShardScanner.SequenceField] = seq,
                ["writer"] = writer.Index,
                ["text"] = $"document {id} revision {seq}",
            });
        }).ToList();
        var result = await router.UpsertAsync(points);
        Stats.Wrote(result);
        foreach (var point in points)
        {
            var seq = point.Payload[ShardScanner.SequenceField]!.GetValue<long>();
            if (result.Acknowledged) oracle.Acknowledged(point.Id, seq);
            else oracle.Failed(point.Id, seq);
        }
        // A failed insert may or may not exist; keeping it as live lets later writes settle its state.
        if (isInsert) writer.Live.AddRange(ids);
    }

    private float[] RandomVector(Random random)
    {
        var vector = new float[options.Dimension];
        for (var i = 0; i < vector.Length; i++) vector[i] = (float)(random.NextDouble() * 2 - 1);
        return vector;
    }
}
