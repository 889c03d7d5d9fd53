namespace RagOperator.Kubernetes.Runtime;

/// <summary>Decides how long a failed item waits before it is handed out again.</summary>
public interface IWorkQueueRateLimiter
{
    /// <summary>Records one more requeue of <paramref name="item"/> and returns how long it must wait.</summary>
    TimeSpan When(string item);

    /// <summary>The item succeeded: its backoff starts over.</summary>
    void Forget(string item);

    int NumRequeues(string item);
}

/// <summary>Per-item exponential backoff: <c>base × 2^failures</c>, capped at <c>max</c>.</summary>
public sealed class ExponentialBackoffRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay) : IWorkQueueRateLimiter
{
    private readonly Dictionary<string, int> failures = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public TimeSpan When(string item)
    {
        int count;
        lock (gate)
        {
            failures.TryGetValue(item, out count);
            failures[item] = count + 1;
        }
        // 2^count overflows long before any sensible cap, so compare in floating point first.
        var delay = baseDelay.TotalMilliseconds * Math.Pow(2, count);
        return delay >= maxDelay.TotalMilliseconds ? maxDelay : TimeSpan.FromMilliseconds(delay);
    }

    public void Forget(string item)
    {
        lock (gate) failures.Remove(item);
    }

    public int NumRequeues(string item)
    {
        lock (gate) return failures.GetValueOrDefault(item);
    }
}

/// <summary>
/// An overall token bucket shared by all items (<paramref name="perSecond"/> refill, <paramref name="burst"/> capacity):
/// each requeue reserves a token, waiting for it when the bucket is empty. It caps the retry rate of a whole
/// controller however many objects fail at once.
/// </summary>
public sealed class BucketRateLimiter(double perSecond, int burst, TimeProvider? timeProvider = null) : IWorkQueueRateLimiter
{
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;
    private readonly Lock gate = new();
    private double tokens = burst;
    private DateTimeOffset last = (timeProvider ?? TimeProvider.System).GetUtcNow();

    public TimeSpan When(string item)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            tokens = Math.Min(burst, tokens + ((now - last).TotalSeconds * perSecond));
            last = now;
            // Reserve the token even if it is not there yet: the debt is paid by waiting.
            tokens -= 1;
            return tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-tokens / perSecond);
        }
    }

    public void Forget(string item)
    {
    }

    public int NumRequeues(string item) => 0;
}

/// <summary>The longest wait of several limiters (per-item backoff and overall bucket together).</summary>
public sealed class MaxOfRateLimiter(params IWorkQueueRateLimiter[] limiters) : IWorkQueueRateLimiter
{
    public TimeSpan When(string item)
    {
        var max = TimeSpan.Zero;
        foreach (var limiter in limiters)
        {
            var delay = limiter.When(item);
            if (delay > max) max = delay;
        }
        return max;
    }

    public void Forget(string item)
    {
        foreach (var limiter in limiters) limiter.Forget(item);
    }

    public int NumRequeues(string item) => limiters.Max(l => l.NumRequeues(item));
}

public static class WorkQueueRateLimiters
{
    /// <summary>
    /// Per-key backoff from 50 ms doubling to 5 minutes, and at most 10 requeues per second overall with bursts of 100.
    /// </summary>
    public static IWorkQueueRateLimiter Default(TimeProvider? timeProvider = null) => new MaxOfRateLimiter(
        new ExponentialBackoffRateLimiter(TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(5)),
        new BucketRateLimiter(10, 100, timeProvider));
}
