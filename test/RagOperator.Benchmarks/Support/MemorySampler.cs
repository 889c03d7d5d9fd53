using System.Diagnostics;

namespace RagOperator.Benchmarks.Support;

/// <summary>Samples the process working set and the GC heap every 100 ms and keeps the peaks.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long peakWorkingSet;
    private long peakHeap;

    public MemorySampler()
    {
        Sample();
        loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public long PeakWorkingSet => Interlocked.Read(ref peakWorkingSet);

    /// <summary>Peak bytes in use on the GC heap (committed memory of live and not yet collected objects).</summary>
    public long PeakHeap => Interlocked.Read(ref peakHeap);

    /// <summary>The heap after a full, compacting collection: what is really alive now.</summary>
    public static long LiveHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private void Sample()
    {
        var workingSet = WorkingSet();
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        InterlockedMax(ref peakWorkingSet, workingSet);
        InterlockedMax(ref peakHeap, heap);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }
}
