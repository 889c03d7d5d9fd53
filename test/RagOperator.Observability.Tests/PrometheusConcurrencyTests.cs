namespace RagOperator.Observability.Tests;

public sealed class PrometheusConcurrencyTests
{
    [Fact]
    public async Task Concurrent_writers_and_scrapers_lose_no_measurement_and_every_scrape_is_consistent()
    {
        using var scope = new MeterScope(options => options.HistogramBuckets["work"] = [1, 2, 3]);
        var counter = scope.Meter.CreateCounter<long>("ops");
        var histogram = scope.Meter.CreateHistogram<double>("work");
        const int Writers = 4;
        const int PerWriter = 20_000;
        var writing = Enumerable.Range(0, Writers).Select(writer => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("writer", writer % 2));
                histogram.Record(i % 4, new KeyValuePair<string, object?>("writer", writer % 2));
            }
        })).ToArray();

        var scrapes = 0;
        var lastTotal = 0.0;
        var allWritten = Task.WhenAll(writing);
        while (!allWritten.IsCompleted && scrapes < 1_000)
        {
            // The parser checks each histogram's +Inf bucket against its _count, so a torn read would throw here.
            var exposition = scope.Scrape();
            var total = exposition.Has("ops_total") ? exposition.Family("ops_total").Samples.Sum(s => s.Value) : 0;
            total.Should().BeGreaterThanOrEqualTo(lastTotal, "a counter never goes backwards between scrapes");
            lastTotal = total;
            scrapes++;
            await Task.Yield();
        }

        await allWritten;
        var final = scope.Scrape();

        final.Value("ops_total", ("writer", "0")).Should().Be(2 * PerWriter);
        final.Value("ops_total", ("writer", "1")).Should().Be(2 * PerWriter);
        final.Value("work_count", ("writer", "0")).Should().Be(2 * PerWriter);
        final.Value("work_bucket", ("writer", "1"), ("le", "1")).Should().Be(2 * PerWriter / 2, "values 0 and 1 are half of each writer's records");
        final.Value("work_sum", ("writer", "1")).Should().Be(2 * (PerWriter / 4) * (0 + 1 + 2 + 3));
    }
}
