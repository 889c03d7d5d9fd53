using System.Net;
using FluentAssertions;
using RagOperator.InProcess.Qdrant;
using RagOperator.Observability.Metrics;
using RagOperator.Router.Shards;
using RagOperator.Router.Tests.Support;
using RagOperator.Routing;
using RagOperator.TestSupport.Prometheus;
using Xunit;

namespace RagOperator.Router.Tests;

public sealed class ShardGuardTests
{
    private static readonly ulong[] Ids = [.. Enumerable.Range(1, 60).Select(i => (ulong)i)];

    [Fact]
    public async Task A_search_held_up_by_one_slow_reply_is_answered_by_the_hedge()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable());
        await LoadAsync(router);
        cluster.Servers[1].Faults.SlowNext(1, TimeSpan.FromSeconds(30));

        var reply = await router.Client.SearchAsync(Requests.Search([1, 0], 60, timeoutMs: 10_000));

        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
        Requests.Ids(reply.Body!["result"]).Should().HaveCount(60, "the hedge brought shard 1's answer long before the slow reply");
        var metrics = await MetricsAsync(router);
        metrics.Value(RagInstruments.RouterShardHedges.Name, (RagTags.Shard, "1")).Should().Be(1);
        metrics.Value(RagInstruments.RouterShardHedges.Name, (RagTags.Shard, "0")).Should().Be(0);
    }

    [Fact]
    public async Task Without_hedging_the_same_slow_reply_runs_into_the_deadline()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(), options => options with { Hedging = false });
        await LoadAsync(router);
        cluster.Servers[1].Faults.SlowNext(1, TimeSpan.FromSeconds(30));

        var reply = await router.Client.SearchAsync(Requests.Search([1, 0], 60, timeoutMs: 1_000));

        reply.Status.Should().Be(HttpStatusCode.ServiceUnavailable, reply.Text);
        reply.Error.Should().Contain("shard 1").And.Contain("no answer within 1000 ms");
    }

    [Fact]
    public async Task A_shard_that_keeps_failing_opens_its_breaker_so_searches_answer_without_asking_it_until_it_recovers()
    {
        await using var cluster = await ShardCluster.StartAsync(shards: 2, dimension: 2, distance: Distance.Dot);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(), options => options with
        {
            ShardRetries = 0,
            BreakerMinimumCalls = 4,
            BreakerBreakDuration = TimeSpan.FromMilliseconds(500),
        });
        await LoadAsync(router);
        cluster.Servers[1].Faults.Down(QdrantDownMode.ServiceUnavailable);

        for (var i = 0; i < 4; i++)
        {
            var failing = await router.Client.SearchAsync(Requests.Search([1, 0], 5, allowPartial: true));
            failing.Body!["missing_reasons"]![0]!["reason"]!.GetValue<string>().Should().Contain("HTTP 503", "the breaker is still closed");
        }

        var partial = await router.Client.SearchAsync(Requests.Search([1, 0], 5, allowPartial: true));
        partial.Status.Should().Be(HttpStatusCode.OK, partial.Text);
        partial.Body!["missing_shards"]!.AsArray().Select(s => s!.GetValue<int>()).Should().Equal(1);
        partial.Body["missing_reasons"]![0]!["reason"]!.GetValue<string>().Should().Contain("circuit open");
        var strict = await router.Client.SearchAsync(Requests.Search([1, 0], 5));
        strict.Status.Should().Be(HttpStatusCode.ServiceUnavailable, strict.Text);
        strict.Error.Should().Contain("shard 1").And.Contain("circuit open").And.Contain("set allow_partial");
        var open = await MetricsAsync(router);
        open.Value(RagInstruments.RouterShardCircuitOpen.Name, (RagTags.Shard, "1"), (RagTags.Operation, "read")).Should().Be(1);
        open.Value(RagInstruments.RouterShardCircuitOpen.Name, (RagTags.Shard, "0"), (RagTags.Operation, "read")).Should().Be(0);
        open.Value(RagInstruments.RouterShardRequestDuration.Name + "_count", (RagTags.Shard, "1"), (RagTags.Outcome, "circuit_open")).Should().Be(2);

        cluster.Servers[1].Faults.Up();
        // After the break one probe goes through; its success closes the breaker.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        RouterReply healed;
        do
        {
            await Task.Delay(100);
            healed = await router.Client.SearchAsync(Requests.Search([1, 0], 60, allowPartial: true));
        }
        while (healed.Body?["partial"]?.GetValue<bool>() != false && DateTime.UtcNow < until);

        Requests.Ids(healed.Body!["result"]).Should().HaveCount(60, healed.Text);
        (await MetricsAsync(router)).Value(RagInstruments.RouterShardCircuitOpen.Name, (RagTags.Shard, "1"), (RagTags.Operation, "read")).Should().Be(0);
    }

    [Fact]
    public async Task Calls_beyond_a_shards_concurrency_limit_and_queue_are_shed_with_429_and_nothing_is_written()
    {
        // One shard: the gate holds the calling thread, so a second shard of the held search would never be called.
        await using var cluster = await ShardCluster.StartAsync(shards: 1, dimension: 2, distance: Distance.Dot);
        using var gated = new GatedQdrantClients(nameof(RagOperator.Qdrant.IQdrantClient.SearchAsync), cluster.GrpcAddress);
        await using var router = await TestRouter.StartAsync(cluster, cluster.StableTable(),
            options => options with { ShardConcurrencyLimit = 1, ShardQueueLimit = 0, Hedging = false }, clients: gated);
        await LoadAsync(router);

        // The held search gets the longest deadline: on a loaded machine the steps below can outlast the default 2 s.
        var held = router.Client.SearchAsync(Requests.Search([1, 0], 5, timeoutMs: 60_000));
        await gated.WaitUntilHeldAsync();
        var shed = await router.Client.SearchAsync(Requests.Search([1, 0], 5));
        var write = await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(500, [1, 1])]));

        shed.Status.Should().Be(HttpStatusCode.TooManyRequests, shed.Text);
        shed.RetryAfter.Should().Be("1");
        shed.Error.Should().Contain("SHARD_CONCURRENCY_LIMIT").And.Contain("Retry after a short pause");
        write.Status.Should().Be(HttpStatusCode.TooManyRequests, write.Text);
        write.Error.Should().StartWith("upsert not acknowledged:").And.Contain("retrying the same request is safe");
        cluster.PointsOn(0).Should().NotContainKey("500", "a shed write is not sent");

        gated.Open();
        (await held).Status.Should().Be(HttpStatusCode.OK);
        (await router.Client.UpsertAsync(Requests.Upsert([Requests.Point(500, [1, 1])]))).Status.Should().Be(HttpStatusCode.OK);
        var metrics = await MetricsAsync(router);
        metrics.Family(RagInstruments.RouterShardRequestDuration.Name).Samples
            .Where(s => s.Name.EndsWith("_count", StringComparison.Ordinal) && s.Labels[RagTags.Outcome] == "shed")
            .Sum(s => s.Value).Should().BeGreaterThanOrEqualTo(2);
        metrics.Value(RagInstruments.RouterErrors.Name, (RagTags.Kind, "overloaded")).Should().Be(2);
    }

    [Theory]
    [InlineData(new double[0], null)]
    [InlineData(new double[] { 5 }, null)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }, 19.0)]
    [InlineData(new double[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 500 }, 1.0)]
    public void The_latency_window_reports_the_95th_percentile_once_it_has_20_samples(double[] milliseconds, double? expected)
    {
        var window = new LatencyWindow();
        foreach (var ms in milliseconds) window.Record(TimeSpan.FromMilliseconds(ms));

        window.P95?.TotalMilliseconds.Should().Be(expected);
        if (expected is null) window.P95.Should().BeNull();
    }

    [Fact]
    public void The_latency_window_forgets_samples_older_than_its_capacity()
    {
        var window = new LatencyWindow(capacity: 32);
        for (var i = 0; i < 32; i++) window.Record(TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 64; i++) window.Record(TimeSpan.FromMilliseconds(2));

        window.P95.Should().Be(TimeSpan.FromMilliseconds(2));
    }

    private static async Task LoadAsync(TestRouter router)
    {
        var reply = await router.Client.UpsertAsync(Requests.Upsert(Ids.Select(id => Requests.Point(id, [id, 1]))));
        reply.Status.Should().Be(HttpStatusCode.OK, reply.Text);
    }

    private static async Task<Exposition> MetricsAsync(TestRouter router) =>
        PrometheusTextParser.Parse((await router.Client.GetAsync("metrics")).Text);
}

public sealed class ShardGuardPipelineTests
{
    private static readonly IReadOnlyList<IReadOnlyList<RagOperator.Qdrant.Models.ScoredPoint>> NoHits = [];

    [Fact]
    public async Task A_search_that_fails_after_its_retries_is_hedged_at_once_and_the_hedge_answers()
    {
        var options = new RouterOptions { Collection = "docs", HedgeInitialDelay = TimeSpan.FromSeconds(30) };
        using var guard = new ShardGuard(0, options, new Telemetry.RouterMetrics(Prometheus.Metrics.NewCustomRegistry(), "docs", () => 0));
        var attempts = 0;

        var answer = await guard.SearchAsync(_ => Interlocked.Increment(ref attempts) == 1
                ? throw new RagOperator.Qdrant.QdrantException("search_points", new Uri("http://shard-0/"), HttpStatusCode.ServiceUnavailable, "injected", isTransient: true)
                : Task.FromResult(NoHits),
            TimeSpan.FromSeconds(10), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        answer.Should().BeSameAs(NoHits, "the hedge went out when the first attempt failed, not after the 30 s hedge delay");
        attempts.Should().Be(2);
    }

    [Fact]
    public async Task Slow_searches_are_hedged_only_within_the_budget_and_failed_ones_always()
    {
        var options = new RouterOptions
        {
            Collection = "docs",
            HedgeMinimumDelay = TimeSpan.FromMilliseconds(10),
            HedgeInitialDelay = TimeSpan.FromMilliseconds(10),
            HedgeBudgetRatio = 0,
            HedgeBudgetBurst = 1,
        };
        using var guard = new ShardGuard(0, options, new Telemetry.RouterMetrics(Prometheus.Metrics.NewCustomRegistry(), "docs", () => 0));

        async Task<int> AttemptsOfSlowSearchAsync()
        {
            var attempts = 0;
            await guard.SearchAsync(async token =>
            {
                Interlocked.Increment(ref attempts);
                await Task.Delay(TimeSpan.FromMilliseconds(300), token);
                return NoHits;
            }, TimeSpan.FromSeconds(10), CancellationToken.None);
            return attempts;
        }

        (await AttemptsOfSlowSearchAsync()).Should().Be(2, "the burst pays for one hedge");
        (await AttemptsOfSlowSearchAsync()).Should().Be(1, "the budget is spent and searches earn none back at ratio 0");
        var failing = 0;
        await guard.SearchAsync(_ => Interlocked.Increment(ref failing) == 1
                ? throw new RagOperator.Qdrant.QdrantException("search_points", new Uri("http://shard-0/"), HttpStatusCode.ServiceUnavailable, "injected", isTransient: true)
                : Task.FromResult(NoHits),
            TimeSpan.FromSeconds(10), CancellationToken.None);
        failing.Should().Be(2, "a failed attempt is hedged whatever the budget");
    }

    [Fact]
    public void The_hedge_budget_earns_a_share_of_a_token_per_search_up_to_its_burst()
    {
        var budget = new HedgeBudget(ratio: 0.25, burst: 2);

        budget.TryWithdraw().Should().BeTrue();
        budget.TryWithdraw().Should().BeTrue();
        budget.TryWithdraw().Should().BeFalse();
        for (var i = 0; i < 3; i++) budget.Deposit();
        budget.TryWithdraw().Should().BeFalse("three searches earn three quarters of a hedge");
        budget.Deposit();
        budget.TryWithdraw().Should().BeTrue();
        for (var i = 0; i < 100; i++) budget.Deposit();
        budget.TryWithdraw().Should().BeTrue();
        budget.TryWithdraw().Should().BeTrue();
        budget.TryWithdraw().Should().BeFalse("no more than the burst is saved");
    }

    [Fact]
    public async Task A_search_the_shard_refuses_as_malformed_is_not_hedged()
    {
        using var guard = new ShardGuard(0, new RouterOptions { Collection = "docs" }, new Telemetry.RouterMetrics(Prometheus.Metrics.NewCustomRegistry(), "docs", () => 0));
        var attempts = 0;

        var search = () => guard.SearchAsync(_ =>
        {
            Interlocked.Increment(ref attempts);
            throw new RagOperator.Qdrant.QdrantException("search_points", new Uri("http://shard-0/"), HttpStatusCode.BadRequest, "bad filter", isTransient: false);
        }, TimeSpan.FromSeconds(10), CancellationToken.None);

        await search.Should().ThrowAsync<RagOperator.Qdrant.QdrantException>();
        attempts.Should().Be(1, "another replica would refuse the same request");
    }

    [Fact]
    public async Task A_call_beyond_the_limit_and_queue_is_rejected_at_once()
    {
        var options = new RouterOptions { Collection = "docs", ShardConcurrencyLimit = 1, ShardQueueLimit = 0, Hedging = false };
        using var guard = new ShardGuard(0, options, new Telemetry.RouterMetrics(Prometheus.Metrics.NewCustomRegistry(), "docs", () => 0));
        var release = new TaskCompletionSource();
        var entered = new TaskCompletionSource();

        var held = guard.SearchAsync(async _ =>
        {
            entered.SetResult();
            await release.Task;
            return [];
        }, TimeSpan.FromSeconds(10), CancellationToken.None);
        await entered.Task;
        var second = () => guard.SearchAsync(_ => Task.FromResult<IReadOnlyList<IReadOnlyList<RagOperator.Qdrant.Models.ScoredPoint>>>([]), TimeSpan.FromSeconds(10), CancellationToken.None);

        await second.Should().ThrowAsync<Polly.RateLimiting.RateLimiterRejectedException>();
        guard.Running.Should().Be(1);
        release.SetResult();
        await held;
        guard.Running.Should().Be(0);
    }
}
