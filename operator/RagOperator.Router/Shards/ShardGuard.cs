using System.Diagnostics;
using System.Net;
using System.Threading.RateLimiting;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Timeout;
using RagOperator.Qdrant;
using RagOperator.Qdrant.Models;
using RagOperator.Router.Telemetry;

namespace RagOperator.Router.Shards;

/// <summary>
/// The Polly pipelines that guard one shard endpoint's calls, outermost first:
/// <list type="number">
/// <item><b>Circuit breaker</b> (one for searches, one for writes): when at least half of the calls in the sampling
/// window failed or missed their deadline, further calls fail at once with <see cref="BrokenCircuitException"/> for
/// the break duration; searches then answer without the shard (<c>partial</c>) or with a clear 503 instead of
/// waiting on it. A refusal by the shard of the request itself (HTTP 400/422) is the client's fault and does not count.</item>
/// <item><b>Deadline</b> per call (<see cref="TimeoutRejectedException"/>): the search's <c>timeout_ms</c> or the write timeout,
/// covering the wait for a permit too.</item>
/// <item><b>Concurrency limit</b> shared by searches and writes: at most <see cref="RouterOptions.ShardConcurrencyLimit"/>
/// calls run, <see cref="RouterOptions.ShardQueueLimit"/> wait; beyond that the call is shed at once
/// (<see cref="Polly.RateLimiting.RateLimiterRejectedException"/>, a 429 for the client) rather than queueing without bound.</item>
/// <item><b>Hedging</b>, searches only: a second identical search after the shard's recent p95 latency
/// (<see cref="LatencyWindow"/>), within a <see cref="HedgeBudget"/> of the shard's searches (a failed first attempt
/// is hedged regardless); the first answer wins and the other is cancelled. A shard is a Service over its
/// replicas, so the hedge can reach another pod. Writes are never hedged: their deadline is long and a write
/// need not be fast, only acknowledged.</item>
/// </list>
/// </summary>
public sealed class ShardGuard : IDisposable
{
    private static readonly ResiliencePropertyKey<TimeSpan> DeadlineKey = new("ragrouter.deadline");
    private static readonly ResiliencePropertyKey<AttemptLog> AttemptsKey = new("ragrouter.attempts");

    private readonly RouterOptions options;
    private readonly ConcurrencyLimiter limiter;
    private readonly HedgeBudget budget;
    private readonly CircuitBreakerStateProvider readCircuit = new();
    private readonly CircuitBreakerStateProvider writeCircuit = new();
    private readonly ResiliencePipeline<object> reads;
    private readonly ResiliencePipeline<UpdateResult> writes;

    public ShardGuard(int shardId, RouterOptions options, RouterMetrics metrics)
    {
        this.options = options;
        metrics.ShardSeen(shardId);
        budget = new HedgeBudget(options.HedgeBudgetRatio, options.HedgeBudgetBurst);
        limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.ShardConcurrencyLimit,
            QueueLimit = options.ShardQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });

        // Typed as object: one pipeline (one breaker, one latency history) for every kind of read.
        var readPipeline = new ResiliencePipelineBuilder<object>()
            .AddCircuitBreaker(Breaker<object>(shardId, "read", readCircuit, metrics))
            .AddTimeout(Deadline())
            .AddRateLimiter(limiter);
        if (options.Hedging)
        {
            readPipeline.AddHedging(new HedgingStrategyOptions<object>
            {
                MaxHedgedAttempts = 1,
                ShouldHandle = args => ValueTask.FromResult(IsShardFailure(args.Outcome.Exception)),
                DelayGenerator = _ => ValueTask.FromResult(HedgeDelay),
                ActionGenerator = args =>
                {
                    // A failed first attempt is always hedged; a slow one only within the budget.
                    var failed = args.PrimaryContext.Properties.TryGetValue(AttemptsKey, out var attempts) && attempts.Failed;
                    if (!failed && !budget.TryWithdraw()) return null;
                    metrics.Hedged(shardId);
                    return () => args.Callback(args.ActionContext);
                },
            });
        }

        reads = readPipeline.Build();
        writes = new ResiliencePipelineBuilder<UpdateResult>()
            .AddCircuitBreaker(Breaker<UpdateResult>(shardId, "write", writeCircuit, metrics))
            .AddTimeout(Deadline())
            .AddRateLimiter(limiter)
            .Build();
    }

    /// <summary>Latencies of this shard's recent search attempts (answered, or cancelled because the other attempt won).</summary>
    public LatencyWindow Latency { get; } = new();

    /// <summary>How long a search waits for the shard before the hedge is sent.</summary>
    public TimeSpan HedgeDelay => Latency.P95 is { } p95
        ? p95 > options.HedgeMinimumDelay ? p95 : options.HedgeMinimumDelay
        : options.HedgeInitialDelay;

    public CircuitState ReadCircuit => readCircuit.CircuitState;

    public CircuitState WriteCircuit => writeCircuit.CircuitState;

    /// <summary>Calls running on the shard now (not counting those waiting for a permit).</summary>
    public long Running => options.ShardConcurrencyLimit - (limiter.GetStatistics()?.CurrentAvailablePermits ?? options.ShardConcurrencyLimit);

    /// <summary>One search (or batch of searches) through the read pipeline.</summary>
    /// <param name="cancellationToken">The client's request: cancelling it ends the call without counting as a shard failure.</param>
    public Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>> SearchAsync(
        Func<CancellationToken, Task<IReadOnlyList<IReadOnlyList<ScoredPoint>>>> call, TimeSpan deadline, CancellationToken cancellationToken) =>
        ReadAsync(call, deadline, cancellationToken);

    /// <summary>One read (search, query, scroll, count) through the read pipeline.</summary>
    /// <param name="cancellationToken">The client's request: cancelling it ends the call without counting as a shard failure.</param>
    public async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan deadline, CancellationToken cancellationToken)
        where T : class
    {
        budget.Deposit();
        var attempts = new AttemptLog();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(DeadlineKey, deadline);
        context.Properties.Set(AttemptsKey, attempts);
        try
        {
            return (T)await reads.ExecuteAsync(static async (attempt, state) =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    object answer = await state.call(attempt.CancellationToken);
                    state.self.Latency.Record(Stopwatch.GetElapsedTime(started));
                    return answer;
                }
                catch (OperationCanceledException)
                {
                    // A search cancelled by the hedge that won (or by the deadline) took at least this long; leaving
                    // it out would drag the p95, and with it the hedge delay, down with every hedge.
                    state.self.Latency.Record(Stopwatch.GetElapsedTime(started));
                    throw;
                }
                catch (QdrantException error) when (!IsClientMistake(error))
                {
                    state.attempts.Failed = true;
                    throw;
                }
            }, context, (self: this, call, attempts));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One write through the write pipeline (breaker, deadline, concurrency limit; no hedging).</summary>
    public async Task<UpdateResult> WriteAsync(Func<CancellationToken, Task<UpdateResult>> call, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(DeadlineKey, deadline);
        try
        {
            return await writes.ExecuteAsync(static async (attempt, call) => await call(attempt.CancellationToken), context, call);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The shard refused the request itself (the client's fault): another shard would refuse it too.</summary>
    public static bool IsClientMistake(QdrantException error) =>
        error.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity;

    private static bool IsShardFailure(Exception? error) => error is QdrantException qdrant && !IsClientMistake(qdrant);

    private CircuitBreakerStrategyOptions<T> Breaker<T>(int shardId, string operation, CircuitBreakerStateProvider state, RouterMetrics metrics) => new()
    {
        FailureRatio = options.BreakerFailureRatio,
        MinimumThroughput = options.BreakerMinimumCalls,
        SamplingDuration = options.BreakerSamplingWindow,
        BreakDuration = options.BreakerBreakDuration,
        ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException || IsShardFailure(args.Outcome.Exception)),
        StateProvider = state,
        OnOpened = _ =>
        {
            metrics.Circuit(shardId, operation, CircuitState.Open);
            return default;
        },
        OnHalfOpened = _ =>
        {
            metrics.Circuit(shardId, operation, CircuitState.HalfOpen);
            return default;
        },
        OnClosed = _ =>
        {
            metrics.Circuit(shardId, operation, CircuitState.Closed);
            return default;
        },
    };

    private static TimeoutStrategyOptions Deadline() => new()
    {
        TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(DeadlineKey, TimeSpan.FromSeconds(30))),
    };

    public void Dispose() => limiter.Dispose();

    /// <summary>What the attempts of one search share: whether one failed (the hedge then goes out whatever the budget).</summary>
    private sealed class AttemptLog
    {
        private int failed;

        public bool Failed
        {
            get => Volatile.Read(ref failed) != 0;
            set => Volatile.Write(ref failed, value ? 1 : 0);
        }
    }
}
