using FluentAssertions;
using RagOperator.Operator.Migration;
using Xunit;

namespace RagOperator.Operator.Tests.Migration;

public sealed class TokenBucketTests
{
    [Fact]
    public void A_full_bucket_releases_its_burst_at_once_and_then_makes_callers_wait_count_over_rate()
    {
        var clock = new SteppedClock();
        var bucket = new TokenBucket(ratePerSecond: 100, burst: 100, clock);

        bucket.Reserve(100).Should().Be(TimeSpan.Zero);
        bucket.Reserve(50).Should().Be(TimeSpan.FromSeconds(0.5));
    }

    [Fact]
    public void Reservations_queue_behind_each_other_while_the_bucket_is_in_debt()
    {
        var clock = new SteppedClock();
        var bucket = new TokenBucket(100, 100, clock);
        bucket.Reserve(100);

        bucket.Reserve(100).Should().Be(TimeSpan.FromSeconds(1));
        bucket.Reserve(50).Should().Be(TimeSpan.FromSeconds(1.5));
        clock.Advance(TimeSpan.FromSeconds(1));
        bucket.Available.Should().BeApproximately(-50, 1e-9);
    }

    [Fact]
    public void Refill_follows_elapsed_time_and_stops_at_the_burst()
    {
        var clock = new SteppedClock();
        var bucket = new TokenBucket(200, 50, clock);
        bucket.Reserve(50);

        clock.Advance(TimeSpan.FromMilliseconds(100));
        bucket.Available.Should().BeApproximately(20, 1e-9);
        clock.Advance(TimeSpan.FromSeconds(10));
        bucket.Available.Should().Be(50);
    }

    [Fact]
    public void Over_any_interval_at_most_burst_plus_rate_times_the_interval_points_are_released()
    {
        var clock = new SteppedClock();
        var bucket = new TokenBucket(250, 250, clock);
        long released = 0;
        var elapsed = TimeSpan.Zero;

        // A copier that waits exactly as long as it is told, batch after batch, for 20 simulated seconds.
        while (elapsed < TimeSpan.FromSeconds(20))
        {
            var wait = bucket.Reserve(64);
            clock.Advance(wait);
            elapsed += wait;
            released += 64;
        }

        released.Should().BeLessThanOrEqualTo((long)(250 + (250 * elapsed.TotalSeconds)) + 64);
        released.Should().BeGreaterThanOrEqualTo((long)(250 * elapsed.TotalSeconds));
    }

    [Fact]
    public void A_rate_of_zero_means_no_limiter()
    {
        TokenBucket.ForRate(0).Should().BeNull();
        TokenBucket.ForRate(500)!.Burst.Should().Be(500);
    }

    [Theory]
    [InlineData(256, 0, 256)]
    [InlineData(256, 1000, 256)]
    [InlineData(256, 100, 100)]
    [InlineData(256, 1, 1)]
    public void A_copy_batch_never_needs_more_than_one_second_of_tokens(int batchSize, int rate, int expected)
    {
        new CopyOptions { BatchSize = batchSize, Limiter = TokenBucket.ForRate(rate) }.EffectiveBatchSize.Should().Be(expected);
    }
}
