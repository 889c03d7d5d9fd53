using System.Collections.Concurrent;

namespace RagOperator.Observability.Metrics;

/// <summary>
/// Makes every scrape see each histogram whole. prometheus-net 8 reads a histogram's bucket counters twice per
/// scrape with no lock — summed for <c>_count</c>, then again for the cumulative <c>_bucket</c> lines — so an
/// observation between the two reads exposes a <c>+Inf</c> bucket that differs from <c>_count</c>, which the text
/// format forbids and which tears <c>histogram_quantile</c>. A scrape therefore closes the gate, waits for the
/// observations already under way to finish, serializes, and opens it again; an observation that finds the gate
/// closed is set aside and applied when it opens.
/// <para>
/// Observers never wait. They observe inside other locks (the work queue observes its latency under its own lock),
/// and a scrape's before-collect callbacks take those locks (the queue depth), so an observer that waited for the
/// scrape could wait for ever on a scrape that waits for its lock.
/// </para>
/// <para>
/// The gate is process-wide rather than per registry: a process serves one registry in production, and in tests
/// the Qdrant client's static meter feeds every registry at once. A scrape holds the gate only while serializing into
/// memory, never while writing to the network.
/// </para>
/// </summary>
internal static class HistogramScrapeGate
{
    private const int ScrapeBit = 1 << 30;

    private static readonly SemaphoreSlim Scrapes = new(1, 1);
    private static readonly ConcurrentQueue<(Prometheus.Histogram.Child Histogram, double Value)> SetAside = new();

    // The number of observations under way, plus ScrapeBit while a scrape holds the gate.
    private static int state;

    public static void Observe(Prometheus.Histogram.Child histogram, double value)
    {
        if ((Interlocked.Increment(ref state) & ScrapeBit) != 0)
        {
            Interlocked.Decrement(ref state);
            SetAside.Enqueue((histogram, value));
            return;
        }

        try
        {
            histogram.Observe(value);
        }
        finally
        {
            Interlocked.Decrement(ref state);
        }
    }

    /// <summary>Runs <paramref name="serialize"/> with no observation applied until it ends.</summary>
    public static async Task ScrapeAsync(Func<Task> serialize, CancellationToken cancellationToken)
    {
        await Scrapes.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Or(ref state, ScrapeBit);
            try
            {
                // Observations under way finish without waiting for anything, so this ends quickly.
                var spin = new SpinWait();
                while ((Volatile.Read(ref state) & ~ScrapeBit) != 0) spin.SpinOnce();
                await serialize();
            }
            finally
            {
                Interlocked.And(ref state, ~ScrapeBit);
            }

            while (SetAside.TryDequeue(out var observation)) Observe(observation.Histogram, observation.Value);
        }
        finally
        {
            Scrapes.Release();
        }
    }
}
