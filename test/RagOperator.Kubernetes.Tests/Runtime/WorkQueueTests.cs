using System.Collections.Concurrent;
using Prometheus;
using RagOperator.Kubernetes.Runtime;
using RagOperator.Kubernetes.Tests.Support;
using RagOperator.TestSupport.Prometheus;

namespace RagOperator.Kubernetes.Tests.Runtime;

public sealed class WorkQueueTests : IDisposable
{
    private readonly ManualTimeProvider time = new();
    private readonly CollectorRegistry registry = Metrics.NewCustomRegistry();
    private readonly WorkQueue queue;

    public WorkQueueTests() => queue = new WorkQueue("test-" + Guid.NewGuid().ToString("N"),
        new ExponentialBackoffRateLimiter(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)), time, new ControllerMetrics(registry));

    public void Dispose() => queue.Dispose();

    private async Task<string?> Get()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await queue.GetAsync(timeout.Token);
    }

    [Fact]
    public async Task Adding_a_queued_key_again_does_not_queue_it_twice()
    {
        queue.Add("rag/a");
        queue.Add("rag/b");
        queue.Add("rag/a");

        queue.Count.Should().Be(2);
        (await Get()).Should().Be("rag/a");
        (await Get()).Should().Be("rag/b");
        queue.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_key_added_while_processing_is_handed_out_again_only_after_Done()
    {
        queue.Add("rag/a");
        var first = await Get();
        queue.Add("rag/a");
        queue.Add("rag/a");

        queue.Count.Should().Be(0, "the key is in flight, a second worker must not get it");
        var second = queue.GetAsync().AsTask();
        await Task.Delay(20);
        second.IsCompleted.Should().BeFalse();

        queue.Done(first!);

        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be("rag/a");
        queue.Done("rag/a");
        queue.Count.Should().Be(0, "the two adds while in flight collapse into one re-run");
    }

    [Fact]
    public async Task A_key_not_added_while_processing_is_not_requeued_by_Done()
    {
        queue.Add("rag/a");
        queue.Done((await Get())!);

        queue.Count.Should().Be(0);
        queue.ProcessingCount.Should().Be(0);
    }

    [Fact]
    public async Task AddAfter_releases_the_key_when_its_delay_has_passed_and_the_earliest_request_wins()
    {
        queue.AddAfter("rag/a", TimeSpan.FromSeconds(5));
        queue.AddAfter("rag/b", TimeSpan.FromSeconds(10));
        queue.AddAfter("rag/b", TimeSpan.FromSeconds(2));
        queue.AddAfter("rag/a", TimeSpan.FromSeconds(30));

        queue.Count.Should().Be(0);
        queue.DelayedCount.Should().Be(2);
        time.Advance(TimeSpan.FromSeconds(2));
        queue.Count.Should().Be(1);
        (await Get()).Should().Be("rag/b");
        time.Advance(TimeSpan.FromSeconds(2.9));
        queue.Count.Should().Be(0);
        time.Advance(TimeSpan.FromSeconds(0.1));
        (await Get()).Should().Be("rag/a");
        time.Advance(TimeSpan.FromSeconds(60));
        queue.Count.Should().Be(0, "the later duplicate requests were absorbed");
    }

    [Fact]
    public async Task AddRateLimited_backs_off_exponentially_per_key_until_Forget()
    {
        var releasedAfter = new List<double>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            queue.AddRateLimited("rag/a");
            var waited = 0.0;
            while (queue.Count == 0 && waited < 60)
            {
                time.Advance(TimeSpan.FromMilliseconds(500));
                waited += 0.5;
            }
            releasedAfter.Add(waited);
            queue.Done((await Get())!);
        }

        releasedAfter.Should().Equal(1, 2, 4, 8, 8);
        queue.NumRequeues("rag/a").Should().Be(5);

        queue.Forget("rag/a");
        queue.AddRateLimited("rag/a");
        time.Advance(TimeSpan.FromSeconds(1));
        queue.Count.Should().Be(1, "a success resets the backoff");
    }

    [Fact]
    public void Backoff_is_tracked_per_key()
    {
        var limiter = new ExponentialBackoffRateLimiter(TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(5));

        limiter.When("a").Should().Be(TimeSpan.FromMilliseconds(50));
        limiter.When("a").Should().Be(TimeSpan.FromMilliseconds(100));
        limiter.When("b").Should().Be(TimeSpan.FromMilliseconds(50));
        for (var i = 0; i < 100; i++) limiter.When("a");
        limiter.When("a").Should().Be(TimeSpan.FromMinutes(5), "the cap holds even after many failures");
    }

    [Fact]
    public void The_overall_token_bucket_spaces_out_requeues_once_its_burst_is_spent()
    {
        var bucket = new BucketRateLimiter(perSecond: 2, burst: 3, time);

        var delays = Enumerable.Range(0, 5).Select(i => bucket.When($"k{i}")).ToList();
        delays.Should().Equal(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromSeconds(10));
        bucket.When("x").Should().Be(TimeSpan.Zero, "the bucket refills (up to its burst) while idle");
    }

    [Fact]
    public void The_default_limiter_takes_the_longer_of_per_key_backoff_and_the_bucket()
    {
        var limiter = new MaxOfRateLimiter(
            new ExponentialBackoffRateLimiter(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(100)),
            new BucketRateLimiter(perSecond: 1, burst: 1, time));

        limiter.When("a").Should().Be(TimeSpan.FromSeconds(1));
        limiter.When("b").Should().Be(TimeSpan.FromSeconds(1), "per-key backoff of b is 1 s, the bucket's debt is 1 s");
        limiter.When("c").Should().Be(TimeSpan.FromSeconds(2), "the bucket is 2 s in debt");
        limiter.NumRequeues("a").Should().Be(1);
    }

    [Fact]
    public async Task Shutdown_wakes_waiting_workers_and_drops_pending_work()
    {
        var waiting = queue.GetAsync().AsTask();
        queue.AddAfter("rag/later", TimeSpan.FromSeconds(1));

        queue.ShutDown();

        (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeNull();
        queue.Add("rag/a");
        (await Get()).Should().BeNull();
        time.Advance(TimeSpan.FromSeconds(5));
        queue.Count.Should().Be(0);
    }

    [Fact]
    public async Task Shutdown_with_drain_waits_for_in_flight_items()
    {
        queue.Add("rag/a");
        var item = await Get();

        var drain = queue.ShutDownWithDrainAsync();
        await Task.Delay(20);
        drain.IsCompleted.Should().BeFalse();
        queue.Done(item!);

        await drain.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Concurrent_workers_never_process_the_same_key_at_once_and_the_last_add_is_always_processed()
    {
        using var shared = new WorkQueue("concurrency-" + Guid.NewGuid().ToString("N"));
        var inFlight = new ConcurrentDictionary<string, int>();
        var violations = 0;
        var addedVersion = new ConcurrentDictionary<string, int>();
        var processedVersion = new ConcurrentDictionary<string, int>();
        var keys = Enumerable.Range(0, 5).Select(i => $"ns/k{i}").ToArray();

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (await shared.GetAsync() is { } key)
            {
                if (inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1) Interlocked.Increment(ref violations);
                // Read what to process at the start, like a reconciler reading the cache.
                var version = addedVersion.GetValueOrDefault(key);
                await Task.Yield();
                processedVersion[key] = Math.Max(processedVersion.GetValueOrDefault(key), version);
                inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
                shared.Done(key);
            }
        })).ToList();

        for (var i = 1; i <= 2000; i++)
        {
            var key = keys[i % keys.Length];
            addedVersion[key] = i;
            shared.Add(key);
            if (i % 50 == 0) await Task.Yield();
        }

        await Eventually.TrueAsync(() => keys.All(k => processedVersion.GetValueOrDefault(k) == addedVersion[k]), "every key processed at its latest version");
        shared.ShutDown();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10));
        violations.Should().Be(0);
    }

    [Fact]
    public async Task Depth_adds_retries_and_latency_are_reported_as_metrics()
    {
        queue.Add("rag/a");
        queue.Add("rag/b");
        queue.Add("rag/a");
        var queued = await registry.ScrapeAsync();

        queued.Family("workqueue_depth").Type.Should().Be("gauge");
        queued.Value("workqueue_depth", ("name", queue.Name)).Should().Be(2, "depth is read from the queue when scraped");
        queued.Value("workqueue_adds_total", ("name", queue.Name)).Should().Be(2, "a deduplicated add is not counted");

        time.Advance(TimeSpan.FromSeconds(3));
        (await Get()).Should().Be("rag/a");
        queue.AddRateLimited("rag/c");
        var taken = await registry.ScrapeAsync();

        taken.Value("workqueue_depth", ("name", queue.Name)).Should().Be(1);
        taken.Value("workqueue_retries_total", ("name", queue.Name)).Should().Be(1);
        taken.Family("workqueue_queue_duration_seconds").Type.Should().Be("histogram");
        taken.Value("workqueue_queue_duration_seconds_count", ("name", queue.Name)).Should().Be(1);
        taken.Value("workqueue_queue_duration_seconds_sum", ("name", queue.Name)).Should().Be(3.0);
        taken.Value("workqueue_queue_duration_seconds_bucket", ("name", queue.Name), ("le", "2.5")).Should().Be(0);
        taken.Value("workqueue_queue_duration_seconds_bucket", ("name", queue.Name), ("le", "5")).Should().Be(1);
    }

    [Fact]
    public async Task A_disposed_queue_leaves_the_depth_gauge()
    {
        queue.Add("rag/a");
        (await registry.ScrapeAsync()).Family("workqueue_depth").Samples.Should().ContainSingle();

        queue.Dispose();

        (await registry.ScrapeAsync()).Family("workqueue_depth").Samples.Should().BeEmpty();
    }
}
