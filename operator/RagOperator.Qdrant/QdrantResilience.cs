using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace RagOperator.Qdrant;

/// <summary>
/// The retry and per-attempt timeout every Qdrant call goes through, whatever its transport: transient failures
/// (<see cref="QdrantException.IsTransient"/>) and attempt timeouts are retried with exponential backoff and jitter.
/// </summary>
internal static class QdrantResilience
{
    public static readonly ResiliencePropertyKey<string> OperationKey = new("qdrant.operation");

    public static ResiliencePipeline Build(QdrantClientOptions options, bool retry)
    {
        var builder = new ResiliencePipelineBuilder();
        if (retry && options.MaxRetries > 0)
        {
            var shard = options.BaseUri;
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder()
                    .Handle<QdrantException>(error => error.IsTransient)
                    .Handle<TimeoutRejectedException>(),
                OnRetry = args =>
                {
                    var operation = args.Context.Properties.GetValue(OperationKey, "unknown");
                    QdrantMetrics.Retries.Add(
                        1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("server.address", shard.Authority));
                    options.OnRetry?.Invoke(new QdrantRetryEvent(
                        operation, shard, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception));
                    return default;
                },
            });
        }

        if (options.RequestTimeout > TimeSpan.Zero && options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(options.RequestTimeout);
        }

        return builder.Build();
    }

    /// <summary>Runs <paramref name="attempt"/> through <paramref name="pipeline"/>; an attempt timeout becomes a transient <see cref="QdrantException"/>.</summary>
    public static async Task<T> ExecuteAsync<T, TState>(
        ResiliencePipeline pipeline, QdrantClientOptions options, string operation, TState state,
        Func<TState, CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(OperationKey, operation);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, s) => s.attempt(s.state, ctx.CancellationToken), context, (attempt, state));
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new QdrantException(
                operation, options.BaseUri, null, $"no response within {options.RequestTimeout.TotalSeconds:0.###}s", isTransient: true, timeout);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
