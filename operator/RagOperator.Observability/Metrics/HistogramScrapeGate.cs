namespace RagOperator.Observability.Metrics;

/// <summary>
/// Makes every scrape see each histogram whole. prometheus-net 8 reads a histogram's bucket counters twice per
/// scrape with no lock — summed for <c>_count</c>, then again for the cumulative <c>_bucket</c> lines — so an
/// observation between the two reads exposes a <c>+Inf</c> bucket that differs from <c>_count</c>, which the text
/// format forbids and which tears <c>histogram_quantile</c>. Observations enter the gate shared; a scrape closes it,
/// waits for the observations inside to leave, serializes, and opens it again.
/// <para>
/// The gate is process-wide rather than per registry: a process serves one registry in production, and in tests
/// the Qdrant client's static meter feeds every registry at once. A scrape holds the gate only while serializing into
/// memory, never while writing to the network, so an observation waits at most one serialization.
/// </para>
/// </summary>
internal static class HistogramScrapeGate
{
    private const int ScrapeBit = 1 << 30;

    private static readonly SemaphoreSlim Scrapes = new(1, 1);

    // The number of observations inside, plus ScrapeBit while a scrape holds the gate.
    private static int state;

    public static void Observe(Prometheus.Histogram.Child histogram, double value)
    {
        var spin = new SpinWait();
        while (true)
        {
            var current = Volatile.Read(ref state);
            if ((current & ScrapeBit) == 0 && Interlocked.CompareExchange(ref state, current + 1, current) == current) break;
            spin.SpinOnce();
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

    /// <summary>Runs <paramref name="serialize"/> with no observation in progress and none starting until it ends.</summary>
    public static async Task ScrapeAsync(Func<Task> serialize, CancellationToken cancellationToken)
    {
        await Scrapes.WaitAsync(cancellationToken);
        try
        {
            Interlocked.Or(ref state, ScrapeBit);
            var spin = new SpinWait();
            while (Volatile.Read(ref state) != ScrapeBit) spin.SpinOnce();
            try
            {
                await serialize();
            }
            finally
            {
                Interlocked.And(ref state, ~ScrapeBit);
            }
        }
        finally
        {
            Scrapes.Release();
        }
    }
}
