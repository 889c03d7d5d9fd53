namespace RagOperator.Operator.Migration;

/// <summary>
/// A token bucket that limits how many points the migration copies per second (<c>rebalance.maxPointsPerSecond</c>).
/// Tokens refill continuously at <see cref="Rate"/> per second up to <see cref="Burst"/>; the bucket starts full.
/// <see cref="Reserve"/> always takes the tokens, possibly into debt, and says how long the caller must wait before
/// using them, so consecutive reservations queue up behind each other and over any interval of length t at most
/// <c>Burst + Rate × t</c> points are released. Thread-safe; time comes from a <see cref="TimeProvider"/> so the
/// arithmetic is testable without sleeping.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private double tokens;
    private long lastRefill;

    public TokenBucket(double ratePerSecond, double burst, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        Rate = ratePerSecond;
        Burst = burst;
        this.time = time ?? TimeProvider.System;
        tokens = burst;
        lastRefill = this.time.GetTimestamp();
    }

    /// <summary>Tokens added per second.</summary>
    public double Rate { get; }

    /// <summary>Largest number of tokens the bucket holds.</summary>
    public double Burst { get; }

    /// <summary>Tokens available now; negative while reservations are in debt.</summary>
    public double Available
    {
        get
        {
            lock (gate)
            {
                Refill();
                return tokens;
            }
        }
    }

    /// <summary>
    /// A bucket for <c>maxPointsPerSecond</c> (null when 0, i.e. unlimited). The burst is one second's worth, so a
    /// copy that was idle for a while does not exceed the rate by more than one second of points.
    /// </summary>
    public static TokenBucket? ForRate(int maxPointsPerSecond, TimeProvider? time = null) =>
        maxPointsPerSecond <= 0 ? null : new TokenBucket(maxPointsPerSecond, maxPointsPerSecond, time);

    /// <summary>Takes <paramref name="count"/> tokens and returns how long to wait before using them (zero when they were there).</summary>
    public TimeSpan Reserve(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (gate)
        {
            Refill();
            tokens -= count;
            return tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-tokens / Rate);
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(lastRefill, now).TotalSeconds;
        lastRefill = now;
        tokens = Math.Min(Burst, tokens + (elapsed * Rate));
    }
}
