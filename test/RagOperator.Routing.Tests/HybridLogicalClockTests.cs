using FluentAssertions;
using Xunit;

namespace RagOperator.Routing.Tests;

public sealed class HybridLogicalClockTests
{
    private static readonly DateTimeOffset Noon = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_layout_is_millis_since_2024_then_a_12_bit_counter_then_a_10_bit_router_id()
    {
        var version = WriteVersion.Compose(physicalMillis: 1000, logical: 5, routerId: 7);

        version.Should().Be((1000L << 22) | (5L << 10) | 7);
        WriteVersion.Decompose(version).Should().Be(new WriteVersion(1000, 5, 7));
        WriteVersion.Decompose(version).Timestamp.Should().Be(new DateTimeOffset(2024, 1, 1, 0, 0, 1, TimeSpan.Zero));
        WriteVersion.Compose(WriteVersion.MaxPhysicalMillis, WriteVersion.MaxLogical, WriteVersion.MaxRouterId).Should().Be(long.MaxValue);
    }

    [Fact]
    public void Versions_follow_the_wall_clock()
    {
        var time = new ManualTimeProvider(Noon);
        var clock = new HybridLogicalClock(3, time);

        var first = WriteVersion.Decompose(clock.Next());
        time.Advance(TimeSpan.FromMilliseconds(250));
        var second = WriteVersion.Decompose(clock.Next());

        first.Timestamp.Should().Be(Noon);
        first.Logical.Should().Be(0);
        first.RouterId.Should().Be(3);
        second.Timestamp.Should().Be(Noon.AddMilliseconds(250));
    }

    [Fact]
    public void Versions_keep_increasing_when_the_wall_clock_goes_backwards()
    {
        var time = new ManualTimeProvider(Noon);
        var clock = new HybridLogicalClock(1, time);
        var issued = new List<long> { clock.Next() };

        time.Advance(TimeSpan.FromMinutes(-5));
        for (var i = 0; i < 10; i++)
        {
            issued.Add(clock.Next());
        }

        time.Advance(TimeSpan.FromMinutes(10));
        issued.Add(clock.Next());

        issued.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        WriteVersion.Decompose(issued[5]).Timestamp.Should().Be(Noon, "the clock holds the last physical time while the wall clock is behind");
        WriteVersion.Decompose(issued[^1]).Timestamp.Should().Be(Noon.AddMinutes(5));
    }

    [Fact]
    public void More_than_4096_versions_in_one_millisecond_borrow_the_next_millisecond()
    {
        var clock = new HybridLogicalClock(0, new ManualTimeProvider(Noon));

        var versions = Enumerable.Range(0, 10_000).Select(_ => clock.Next()).ToList();

        versions.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        WriteVersion.Decompose(versions[4095]).Should().Be(new WriteVersion(WriteVersion.Decompose(versions[0]).PhysicalMillis, 4095, 0));
        WriteVersion.Decompose(versions[4096]).Logical.Should().Be(0);
        WriteVersion.Decompose(versions[4096]).PhysicalMillis.Should().Be(WriteVersion.Decompose(versions[0]).PhysicalMillis + 1);
    }

    [Fact]
    public void After_observing_a_remote_version_the_next_version_is_greater()
    {
        var time = new ManualTimeProvider(Noon);
        var local = new HybridLogicalClock(1, time);
        var remote = new HybridLogicalClock(900, new ManualTimeProvider(Noon.AddSeconds(30)));
        var remoteVersion = remote.Next();

        local.Next().Should().BeLessThan(remoteVersion, "the remote clock runs ahead");
        local.Observe(remoteVersion);

        var next = local.Next();
        next.Should().BeGreaterThan(remoteVersion);
        WriteVersion.Decompose(next).RouterId.Should().Be(1);

        local.Observe(remoteVersion - (1L << 22));
        local.Next().Should().BeGreaterThan(next, "observing an older version changes nothing");
    }

    [Fact]
    public void Routers_issuing_at_the_same_instant_never_collide()
    {
        var time = new ManualTimeProvider(Noon);
        var clocks = Enumerable.Range(0, 8).Select(id => new HybridLogicalClock(id * 100, time)).ToList();

        var versions = Enumerable.Range(0, 500).SelectMany(_ => clocks.Select(c => c.Next())).ToList();

        versions.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Versions_issued_from_many_threads_are_unique_and_increase_on_each_thread()
    {
        var time = new ManualTimeProvider(Noon);
        var clock = new HybridLogicalClock(42, time);
        var perThread = new List<long>[4];

        var workers = Enumerable.Range(0, perThread.Length).Select(t => Task.Run(() =>
        {
            var mine = new List<long>(20_000);
            for (var i = 0; i < 20_000; i++)
            {
                if (t == 0 && i % 1000 == 0)
                {
                    // Jitter the wall clock both ways while the others issue.
                    time.Advance(TimeSpan.FromMilliseconds(i % 3000 == 0 ? -7 : 3));
                }

                mine.Add(clock.Next());
            }

            perThread[t] = mine;
        })).ToArray();
        await Task.WhenAll(workers);

        foreach (var versions in perThread)
        {
            versions.Should().BeInAscendingOrder();
        }

        perThread.SelectMany(v => v).Should().OnlyHaveUniqueItems();
    }

    [Theory]
    [InlineData(0, 0, 1)]      // same clock: wait out the rest of the version's millisecond
    [InlineData(5, 0, 6)]      // replicas up to 5 ms apart: 5 ms more
    [InlineData(5, 4, 2)]      // part of the wait already passed on the shards
    [InlineData(5, 6, 0)]      // the round trip outlasted it: no wait
    public void A_write_waits_until_every_replica_clock_is_past_its_version(int uncertaintyMs, int elapsedMs, int expectedWaitMs)
    {
        var time = new ManualTimeProvider(Noon);
        var clock = new HybridLogicalClock(3, time, TimeSpan.FromMilliseconds(uncertaintyMs));
        var version = clock.Next();

        time.Advance(TimeSpan.FromMilliseconds(elapsedMs));

        clock.UntilOrdered(version).Should().Be(TimeSpan.FromMilliseconds(expectedWaitMs));
    }

    [Fact]
    public void After_the_wait_a_replica_whose_clock_is_behind_by_the_uncertainty_issues_a_higher_version()
    {
        var uncertainty = TimeSpan.FromMilliseconds(5);
        var ahead = new ManualTimeProvider(Noon.AddMilliseconds(5));
        var behind = new ManualTimeProvider(Noon);
        var first = new HybridLogicalClock(900, ahead, uncertainty);
        var second = new HybridLogicalClock(1, behind, uncertainty);
        for (var i = 0; i < 10; i++) first.Next();
        var written = first.Next();

        var wait = first.UntilOrdered(written);
        ahead.Advance(wait);
        behind.Advance(wait);

        second.Next().Should().BeGreaterThan(written);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1024)]
    public void A_router_id_outside_10_bits_is_refused(int routerId)
    {
        FluentActions.Invoking(() => new HybridLogicalClock(routerId)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
